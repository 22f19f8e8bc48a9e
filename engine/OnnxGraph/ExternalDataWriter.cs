using System.Globalization;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.OnnxGraph;

/// <summary>
/// Streams initializer bytes into one external-data file beside the model (ONNX "external data"):
/// each tensor is appended at an aligned offset as it is added and only its location, offset and length
/// go into the <c>TensorProto</c>. A converter therefore never holds all weights in memory, and the
/// .onnx file stays small — protobuf caps one message at 2 GB, a 7B model's weights are ~15 GB in fp16.
/// Offsets are aligned to <see cref="Alignment"/> bytes (4096 by default: the ONNX spec says offsets SHOULD
/// be page multiples so readers can memory-map them; the padding costs under 4 KB per tensor).
/// Owned by one <see cref="OnnxModelBuilder"/>; not thread-safe.
/// </summary>
internal sealed class ExternalDataWriter : IDisposable
{
    private readonly FileStream _stream;

    public ExternalDataWriter(string path, string location, int alignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "alignment must be a power of two");
        Location = location;
        Alignment = alignment;
        // 1 MiB buffer: weights arrive in tensor-sized pieces; bigger buffers gain nothing measurable.
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 20);
    }

    /// <summary>The file name recorded in each tensor ("location"), relative to the model's folder.</summary>
    public string Location { get; }

    public int Alignment { get; }

    /// <summary>Bytes written so far, padding included.</summary>
    public long Length => _stream.Length;

    /// <summary>Appends <paramref name="bytes"/> at the next aligned offset and points <paramref name="tensor"/> at them.</summary>
    public void Append(TensorProto tensor, ReadOnlySpan<byte> bytes)
    {
        var offset = PadToAlignment();
        _stream.Write(bytes);
        Point(tensor, offset, bytes.Length);
    }

    /// <summary>Copies exactly <paramref name="byteCount"/> bytes from <paramref name="source"/> (a weight file, say).</summary>
    public void Append(TensorProto tensor, Stream source, long byteCount)
    {
        var offset = PadToAlignment();
        var buffer = new byte[Math.Min(byteCount, 1 << 20)];
        for (long left = byteCount; left > 0;)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(left, buffer.Length));
            if (read == 0) throw new EndOfStreamException($"tensor '{tensor.Name}': the source ended {left} bytes early");
            _stream.Write(buffer, 0, read);
            left -= read;
        }
        Point(tensor, offset, byteCount);
    }

    public void Flush() => _stream.Flush(flushToDisk: false);

    public void Dispose() => _stream.Dispose();

    private long PadToAlignment()
    {
        var position = _stream.Position;
        var padding = (Alignment - (position & (Alignment - 1))) & (Alignment - 1);
        if (padding > 0)
        {
            Span<byte> zeros = stackalloc byte[256];
            zeros.Clear();
            for (var left = padding; left > 0; left -= Math.Min(left, zeros.Length)) _stream.Write(zeros[..(int)Math.Min(left, zeros.Length)]);
        }
        return position + padding;
    }

    private void Point(TensorProto tensor, long offset, long length)
    {
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = Location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(CultureInfo.InvariantCulture) });
    }
}
