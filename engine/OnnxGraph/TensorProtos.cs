using Google.Protobuf;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.OnnxGraph;

/// <summary>Builds <c>TensorProto</c> headers; the one place that checks element count against byte count.</summary>
internal static class TensorProtos
{
    /// <summary>A tensor header without data: name, type and dims, after checking the byte count fits.</summary>
    public static TensorProto Header(string name, OnnxElementType type, ReadOnlySpan<long> dims, long byteCount)
    {
        var elementSize = OnnxElementTypes.SizeOf(type);
        if (elementSize == 0) throw new NotSupportedException($"initializers of type {type} are not supported by the graph writer");
        long elements = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': dimension {d} is negative", nameof(dims));
            elements = checked(elements * d);
        }
        if (checked(elements * elementSize) != byteCount)
        {
            throw new ArgumentException(
                $"tensor '{name}': dims [{string.Join(", ", dims.ToArray())}] of {type} need {elements * elementSize} bytes, got {byteCount}", nameof(dims));
        }
        var proto = new TensorProto { Name = name, DataType = (int)type };
        foreach (var d in dims) proto.Dims.Add(d);
        return proto;
    }

    /// <summary>A tensor whose little-endian bytes live in the model itself (raw_data).</summary>
    public static TensorProto Inline(string name, OnnxElementType type, ReadOnlySpan<long> dims, ReadOnlySpan<byte> bytes)
    {
        EnsureLittleEndian();
        var proto = Header(name, type, dims, bytes.Length);
        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }

    /// <summary>ONNX raw_data and external data are little-endian; so is every platform we run on (x64, arm64).</summary>
    public static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the ONNX graph writer assumes a little-endian machine");
    }
}
