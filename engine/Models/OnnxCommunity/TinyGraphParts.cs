using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// Seeded random weights and the plain-op patterns the tiny onnx-community graphs share. Plain ONNX ops only (no
/// com.microsoft contrib ops), as a PyTorch/optimum export spells them, so the same files run unchanged in
/// onnxruntime-node under transformers.js. Weights: N(0, 0.1²) (so that with widths 32–64 activations stay O(1)
/// and a wrong mask or rotary changes the output visibly), norm scales 1 + N(0, 0.1²).
/// </summary>
internal sealed class TinyGraphParts(GraphWriter g, ulong seed)
{
    private const double WeightStd = 0.1;

    public GraphWriter G { get; } = g;

    public float[] Random(string name, int count, double mean = 0, double std = WeightStd)
    {
        var values = new float[count];
        new TinyRandom(seed, name).FillNormal(values, mean, std);
        return values;
    }

    /// <summary>x·W (+ b) with W stored [in, out] as MatMul wants it.</summary>
    public string Linear(string x, string name, int inputs, int outputs, bool bias)
    {
        var y = G.MatMul(x, G.Floats(name + ".weight", Random(name + ".weight", inputs * outputs), inputs, outputs));
        return bias ? G.Add(y, G.Floats(name + ".bias", Random(name + ".bias", outputs), outputs)) : y;
    }

    /// <summary>RMSNorm spelled out: x · 1/√(mean(x²) + ε) · w over the last axis.</summary>
    public string RmsNorm(string x, string name, int width, double epsilon)
    {
        var meanSquare = G.Op("ReduceMean", [G.Mul(x, x), G.Builder.AddInt64s(-1)], [OnnxAttribute.Int("keepdims", 1)]);
        var inverse = G.Op("Reciprocal", [G.Op("Sqrt", [G.Add(meanSquare, G.FloatScalar((float)epsilon))])]);
        return G.Mul(G.Mul(x, inverse), NormScale(name, width));
    }

    /// <summary>LayerNormalization (opset 17) with a random scale and bias.</summary>
    public string LayerNorm(string x, string name, int width, double epsilon) =>
        G.LayerNorm(x, NormScale(name, width), G.Floats(name + ".bias", Random(name + ".bias", width), width), epsilon);

    public string NormScale(string name, int width) => G.Floats(name + ".weight", Random(name + ".weight", width, mean: 1), width);

    /// <summary>A scalar taken from a 1-D int64 tensor (shape values).</summary>
    public string ShapeDim(string x, long axis) =>
        G.Op("Gather", [G.Op("Shape", [x]), G.Builder.AddScalar(axis)], [OnnxAttribute.Int("axis", 0)]);
}
