using VLOrleans.Engine.Models.Safetensors;

namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// The token embedding table of a package (<c>onnx/embed_tokens.safetensors</c>, stored as the checkpoint had it, e.g.
/// bf16), memory-mapped: a lookup widens only the touched rows to float32, so the 151936×2048 table (622 MB in bf16)
/// costs resident memory only for the tokens actually seen. Thread-safe for concurrent lookups.
/// </summary>
public sealed class EmbeddingTable : IDisposable
{
    /// <summary>Tensor name inside the package file.</summary>
    public const string TensorName = "embed_tokens";

    private readonly SafetensorsFile _file;
    private readonly SafetensorsTensorInfo _info;

    private EmbeddingTable(SafetensorsFile file, SafetensorsTensorInfo info)
    {
        _file = file;
        _info = info;
        RowCount = checked((int)info.Shape[0]);
        Width = checked((int)info.Shape[1]);
    }

    public int RowCount { get; }

    /// <summary>The hidden size H.</summary>
    public int Width { get; }

    public static EmbeddingTable Open(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: embedding table not found");
        var file = SafetensorsFile.Open(path);
        try
        {
            if (!file.Contains(TensorName)) throw new ModelLoadException($"{path}: no tensor '{TensorName}'");
            var info = file.GetInfo(TensorName);
            if (info.Shape.Length != 2) throw new ModelLoadException($"{path}: '{TensorName}' must be 2-D, is [{string.Join(",", info.Shape)}]");
            return new EmbeddingTable(file, info);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes the rows of <paramref name="ids"/> into <paramref name="destination"/> [ids.Length, Width].</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the table.</exception>
    public void Lookup(ReadOnlySpan<long> ids, Span<float> destination)
    {
        if (destination.Length < ids.Length * Width) throw new ArgumentException($"destination holds {destination.Length} values; {ids.Length}×{Width} needed", nameof(destination));
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((ulong)id >= (ulong)RowCount) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the embedding table (0..{RowCount - 1})");
            _file.ReadSingle(_info, id * Width, destination.Slice(i * Width, Width));
        }
    }

    public void Dispose() => _file.Dispose();
}
