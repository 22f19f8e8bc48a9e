namespace VLOrleans.Engine.Models.Safetensors;

/// <summary>One tensor's header entry: element type, shape, and byte range inside the file's data section.</summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
