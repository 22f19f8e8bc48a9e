using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace VLOrleans.Engine.Models.Safetensors;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped and read lazily: opening parses only the JSON header;
/// tensor bytes are paged in by the OS when a caller reads them, so a converter can walk a multi-GB
/// checkpoint holding one tensor (or one row block) at a time. Thread-safe for concurrent reads.
/// </summary>
/// <remarks>Format: u64 little-endian header length N, N bytes of JSON
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}</c>, then the data section;
/// offsets are relative to the data section.</remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    // A header is a few hundred bytes per tensor; 100 MB is far beyond any real checkpoint and stops a
    // corrupt length from making us allocate gigabytes.
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;
    private bool _acquired;

    private SafetensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer,
        long dataStart, Dictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
        _acquired = view is not null;
    }

    public string Path { get; }

    /// <summary>The free-form <c>__metadata__</c> map (e.g. <c>{"format": "pt"}</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyCollection<SafetensorsTensorInfo> Tensors => _tensors.Values;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public SafetensorsTensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new ModelLoadException($"{Path}: no tensor named '{name}'");

    public static SafetensorsFile Open(string path)
    {
        var length = new FileInfo(path).Length;
        if (length < 8) throw new ModelLoadException($"{path}: {length} bytes is too short for a safetensors file");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            try
            {
                var (dataStart, tensors, metadata) = ParseHeader(path, new ReadOnlySpan<byte>(pointer, (int)Math.Min(length, int.MaxValue)), length);
                return new SafetensorsFile(path, map, view, pointer, dataStart, tensors, metadata);
            }
            catch
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                throw;
            }
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    private static (long DataStart, Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(
        string path, ReadOnlySpan<byte> prefix, long fileLength)
    {
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw new ModelLoadException($"{path}: header length {headerLength} does not fit a {fileLength}-byte file; the file is corrupt or not safetensors");
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(prefix.Slice(8, (int)headerLength).ToArray());
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: the header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new ModelLoadException($"{path}: the header is not a JSON object");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var entry in property.Value.EnumerateObject()) metadata[entry.Name] = entry.Value.ToString();
                    continue;
                }
                tensors[property.Name] = ParseEntry(path, property, dataLength);
            }
        }
        return (dataStart, tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseEntry(string path, JsonProperty property, long dataLength)
    {
        try
        {
            var entry = property.Value;
            var dtypeName = entry.GetProperty("dtype").GetString() ?? "";
            if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
                throw new ModelLoadException($"{path}: tensor '{property.Name}' has unsupported dtype '{dtypeName}'");
            var shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw new ModelLoadException($"{path}: tensor '{property.Name}' has data offsets outside the file");
            if (shape.Any(d => d < 0)) throw new ModelLoadException($"{path}: tensor '{property.Name}' has a negative dimension");
            var info = new SafetensorsTensorInfo(property.Name, dtype, shape, offsets[0], offsets[1] - offsets[0]);
            if (info.ElementCount * dtype.ByteSize() != info.ByteLength)
                throw new ModelLoadException($"{path}: tensor '{property.Name}' declares shape [{string.Join(",", shape)}] {dtypeName} but holds {info.ByteLength} bytes");
            return info;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"{path}: tensor '{property.Name}' has a malformed header entry ({e.Message})", e);
        }
    }

    /// <summary>
    /// Raw little-endian bytes of part of a tensor, straight from the mapping (no copy). Use
    /// <paramref name="byteStart"/>/<paramref name="byteCount"/> to walk tensors larger than 2 GB in pieces.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo info, long byteStart, int byteCount)
    {
        ObjectDisposedException.ThrowIf(!_acquired, this);
        if (byteStart < 0 || byteCount < 0 || byteStart + byteCount > info.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(byteStart), $"range [{byteStart}, +{byteCount}) is outside tensor '{info.Name}' ({info.ByteLength} bytes)");
        return new ReadOnlySpan<byte>(_base + _dataStart + info.DataOffset + byteStart, byteCount);
    }

    /// <summary>The whole tensor's bytes; throws for tensors of 2 GB or more (use the ranged overload).</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > int.MaxValue) throw new InvalidOperationException($"tensor '{name}' is {info.ByteLength} bytes; read it in pieces");
        return GetBytes(info, 0, (int)info.ByteLength);
    }

    /// <summary>Reads a float tensor (F32/F16/BF16/F64) widened to float32 into a new array.</summary>
    public float[] ReadSingle(string name)
    {
        var info = GetInfo(name);
        var result = new float[checked((int)info.ElementCount)];
        ReadSingle(info, 0, result);
        return result;
    }

    /// <summary>Reads <paramref name="destination"/>.Length elements starting at element <paramref name="elementStart"/>, widened to float32.</summary>
    public void ReadSingle(SafetensorsTensorInfo info, long elementStart, Span<float> destination)
    {
        var size = info.DType.ByteSize();
        HalfConversions.ToSingle(info.DType, GetBytes(info, elementStart * size, checked(destination.Length * size)), destination);
    }

    public long[] ReadInt64(string name) => MemoryMarshal.Cast<byte, long>(GetBytes(name)).ToArray();

    public void Dispose()
    {
        if (_acquired)
        {
            _acquired = false;
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view?.Dispose();
        _map?.Dispose();
    }
}
