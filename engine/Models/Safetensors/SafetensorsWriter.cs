using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace VLOrleans.Engine.Models.Safetensors;

/// <summary>A tensor to write: its header entry plus a callback that streams exactly its bytes.</summary>
/// <remarks>Write streams the tensor's little-endian bytes; it is called once, in order.</remarks>
public sealed record SafetensorsTensorSource(string Name, SafetensorsDType DType, long[] Shape, Action<Stream> Write)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * DType.ByteSize();

    /// <summary>A float tensor held in memory, stored as <paramref name="dtype"/> (F32, F16 or BF16).</summary>
    public static SafetensorsTensorSource FromSingle(string name, long[] shape, float[] values, SafetensorsDType dtype = SafetensorsDType.F32) =>
        new(name, dtype, shape, stream =>
        {
            var bytes = new byte[values.Length * dtype.ByteSize()];
            HalfConversions.FromSingle(dtype, values, bytes);
            stream.Write(bytes);
        });
}

/// <summary>
/// Writes safetensors files. The header is computed from the declared shapes first, then each tensor's
/// bytes are streamed by its callback, so writing a multi-GB checkpoint never holds it in memory.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes one file. Tensors are laid out in the order given.</summary>
    public static void Write(string path, IReadOnlyList<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = BuildHeader(tensors, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
        {
            var before = stream.Position;
            tensor.Write(stream);
            var written = stream.Position - before;
            if (written != tensor.ByteLength)
                throw new InvalidOperationException($"tensor '{tensor.Name}' wrote {written} bytes, its shape needs {tensor.ByteLength}");
        }
    }

    /// <summary>
    /// Writes a sharded checkpoint into <paramref name="folder"/>: shards of at most <paramref name="maxShardBytes"/>
    /// (a tensor larger than that gets a shard of its own) named <c>model-0000i-of-0000n.safetensors</c>, plus
    /// <c>model.safetensors.index.json</c>. With one shard, writes <c>model.safetensors</c> and no index.
    /// </summary>
    public static void WriteSharded(string folder, IReadOnlyList<SafetensorsTensorSource> tensors, long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(folder);
        var shards = new List<List<SafetensorsTensorSource>> { new() };
        long current = 0;
        foreach (var tensor in tensors)
        {
            if (current > 0 && current + tensor.ByteLength > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(tensor);
            current += tensor.ByteLength;
        }
        if (shards.Count == 1)
        {
            Write(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), tensors, metadata);
            return;
        }
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            var name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(folder, name), shards[i], metadata);
            foreach (var tensor in shards[i]) weightMap[tensor.Name] = name;
        }
        var index = new { metadata = new { total_size = tensors.Sum(t => t.ByteLength) }, weight_map = weightMap };
        File.WriteAllText(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tensor in tensors)
            {
                if (!names.Add(tensor.Name)) throw new ArgumentException($"tensor '{tensor.Name}' is listed twice");
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToWireName());
                json.WriteStartArray("shape");
                foreach (var d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces to a multiple of 8 so the data section is 8-byte aligned (as the
        // reference writer does); readers may then view F32/I64 data in place.
        var header = buffer.ToArray();
        var padded = (header.Length + 7) / 8 * 8;
        if (padded == header.Length) return header;
        var result = new byte[padded];
        header.CopyTo(result, 0);
        result.AsSpan(header.Length).Fill((byte)' ');
        return result;
    }
}
