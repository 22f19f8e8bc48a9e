using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// A session input or output as the model declares it. <see cref="Dimensions"/> holds -1 where the size is
/// symbolic or unknown; <see cref="SymbolicDimensions"/> holds the name there ("" for fixed or unnamed).
/// Non-tensor values (sequences, maps) have <see cref="ElementType"/> Undefined and no dimensions.
/// </summary>
public sealed record OnnxTensorInfo(string Name, OnnxElementType ElementType, IReadOnlyList<long> Dimensions, IReadOnlyList<string> SymbolicDimensions)
{
    public override string ToString() =>
        $"{Name}: {ElementType}[{string.Join(", ", Dimensions.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]";

    /// <summary>Type and dimensions of an OrtTensorTypeAndShapeInfo (owned by the caller), through the shim: what a custom
    /// op reads for every input of every node of every step.</summary>
    internal static unsafe (OnnxElementType Type, long[] Dims) ReadTypeAndDims(nint tensorInfo)
    {
        int type;
        nuint rank;
        OrtStatus.Check(OrtApi.GetTensorElementType(tensorInfo, &type));
        OrtStatus.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank));
        var dims = new long[(int)rank];
        if (rank > 0)
        {
            fixed (long* d = dims) OrtStatus.Check(OrtApi.GetDimensions(tensorInfo, d, rank));
        }
        return ((OnnxElementType)type, dims);
    }
}
