using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.OnnxGraph;

/// <summary>A named value with its element type and shape (symbolic dimensions allowed), e.g. an <c>If</c> output.</summary>
public sealed record OnnxTypedValue(string Name, OnnxElementType Type, params OnnxDim[] Dims);
