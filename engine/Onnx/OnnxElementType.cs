namespace VLOrleans.Engine.Onnx;

/// <summary>
/// Tensor element types. The numbers are ONNX's <c>TensorProto.DataType</c>, which ONNX Runtime's
/// <c>ONNXTensorElementDataType</c> mirrors value for value, so one enum serves both the graph writer
/// and the runtime binding. Only the types the project uses have a CLR mapping (<see cref="OnnxElementTypes"/>).
/// </summary>
public enum OnnxElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>CLR type ↔ <see cref="OnnxElementType"/> for the element types the project uses.</summary>
public static class OnnxElementTypes
{
    /// <summary>The element type of <typeparamref name="T"/>: float, Half, long, int, bool, byte, sbyte.</summary>
    public static OnnxElementType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return OnnxElementType.Float;
        if (typeof(T) == typeof(Half)) return OnnxElementType.Float16;
        if (typeof(T) == typeof(long)) return OnnxElementType.Int64;
        if (typeof(T) == typeof(int)) return OnnxElementType.Int32;
        if (typeof(T) == typeof(bool)) return OnnxElementType.Bool;
        if (typeof(T) == typeof(byte)) return OnnxElementType.UInt8;
        if (typeof(T) == typeof(sbyte)) return OnnxElementType.Int8;
        throw new NotSupportedException($"{typeof(T).Name} has no ONNX tensor element type mapping here (use float, Half, long, int, bool, byte or sbyte).");
    }

    /// <summary>Bytes per element for fixed-width types; 0 for string and undefined.</summary>
    public static int SizeOf(OnnxElementType type) => type switch
    {
        OnnxElementType.Float or OnnxElementType.Int32 or OnnxElementType.UInt32 => 4,
        OnnxElementType.UInt8 or OnnxElementType.Int8 or OnnxElementType.Bool => 1,
        OnnxElementType.UInt16 or OnnxElementType.Int16 or OnnxElementType.Float16 or OnnxElementType.BFloat16 => 2,
        OnnxElementType.Int64 or OnnxElementType.UInt64 or OnnxElementType.Double or OnnxElementType.Complex64 => 8,
        OnnxElementType.Complex128 => 16,
        _ => 0,
    };
}
