using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// A thin layer over <see cref="OnnxModelBuilder"/> that names intermediate values (<c>{scope}/{op}_{n}</c>) and spells the
/// few op patterns the Qwen graphs repeat (norms, activations, reshapes), so the graph builders read like the model code.
/// Every value is float32 unless the method says otherwise.
/// </summary>
internal sealed class GraphWriter
{
    private int _counter;

    public GraphWriter(OnnxModelBuilder builder) => Builder = builder;

    public OnnxModelBuilder Builder { get; }

    /// <summary>Prefix of the generated value names (e.g. "layers.3"), for readable graphs and error messages.</summary>
    public string Scope { get; set; } = "";

    public string Fresh(string op) => $"{(Scope.Length > 0 ? Scope + "/" : "")}{op}_{_counter++}";

    /// <summary>Adds a one-output node and returns its output name.</summary>
    public string Op(string op, IReadOnlyList<string> inputs, IEnumerable<OnnxAttribute>? attributes = null, string domain = "", string? output = null)
    {
        output ??= Fresh(op);
        Builder.AddNode(op, inputs, [output], attributes, domain);
        return output;
    }

    public string Add(string a, string b) => Op("Add", [a, b]);

    public string Sub(string a, string b) => Op("Sub", [a, b]);

    public string Mul(string a, string b) => Op("Mul", [a, b]);

    public string MatMul(string a, string b) => Op("MatMul", [a, b]);

    public string Neg(string a) => Op("Neg", [a]);

    public string Reshape(string x, params long[] shape) => Op("Reshape", [x, Builder.AddInt64s(shape)]);

    public string Transpose(string x, params long[] perm) => Op("Transpose", [x], [OnnxAttribute.Ints("perm", perm)]);

    public string Unsqueeze(string x, params long[] axes) => Op("Unsqueeze", [x, Builder.AddInt64s(axes)]);

    public string Cast(string x, OnnxElementType to) => Op("Cast", [x], [OnnxAttribute.Int("to", (long)to)]);

    public string Softmax(string x, long axis = -1) => Op("Softmax", [x], [OnnxAttribute.Int("axis", axis)]);

    /// <summary>Slice along one axis, [start, end).</summary>
    public string Slice(string x, long axis, long start, long end) =>
        Op("Slice", [x, Builder.AddInt64s(start), Builder.AddInt64s(end), Builder.AddInt64s(axis)]);

    public string FloatScalar(float value) => Builder.AddScalar(value);

    /// <summary>A float32 initializer from memory (norm weights, biases, small tables).</summary>
    public string Floats(string name, float[] values, params long[] dims) => Builder.AddInitializer<float>(name, values, dims);

    /// <summary>LayerNormalization over the last axis (opset 17), in fp32.</summary>
    public string LayerNorm(string x, string scale, string bias, double epsilon) =>
        Op("LayerNormalization", [x, scale, bias], [OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", (float)epsilon)]);

    /// <summary>RMSNorm over the last axis: ONNX Runtime's <c>SimplifiedLayerNormalization</c> (registered in the
    /// default domain, version 1; the op ORT GenAI's builder emits for Qwen), x / sqrt(mean(x²) + eps) · scale in fp32.</summary>
    public string RmsNorm(string x, string scale, double epsilon) =>
        Op("SimplifiedLayerNormalization", [x, scale], [OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", (float)epsilon)]);

    /// <summary>Gelu (opset 20): exact (erf) or the tanh approximation (transformers' gelu_pytorch_tanh).</summary>
    public string Gelu(string x, bool tanh) => Op("Gelu", [x], [OnnxAttribute.String("approximate", tanh ? "tanh" : "none")]);

    /// <summary>x·sigmoid(x).</summary>
    public string Silu(string x) => Mul(x, Op("Sigmoid", [x]));

    /// <summary>rotate_half(x)·sin + x·cos over the last axis (size d): rotate_half(x) = concat(−x[d/2:], x[:d/2]).
    /// The same pattern in the vision tower (2D rotary) and the decoder (M-RoPE); both are "neox" style, not interleaved pairs.</summary>
    public string RotateHalf(string x, string cos, string sin, long d)
    {
        var first = Slice(x, -1, 0, d / 2);
        var second = Slice(x, -1, d / 2, d);
        var rotated = Op("Concat", [Neg(second), first], [OnnxAttribute.Int("axis", -1)]);
        return Add(Mul(x, cos), Mul(rotated, sin));
    }
}
