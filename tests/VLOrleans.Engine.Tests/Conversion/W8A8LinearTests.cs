using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The w8a8 Linear (com.microsoft.DynamicQuantizeMatMul) against a plain reference written from the op's documented
/// semantics (onnxruntime docs/ContribOperators.md, and ONNX DynamicQuantizeLinear for A): A is quantised per tensor to
/// uint8 with scale_a = (max(x_max, 0) − min(x_min, 0)) / 255 and zero point round(−min/scale_a); B is int8 [K, N] with
/// one scale per column and zero point 0, the column's max|w| at ±127; y = Σ (qa − za)·scale_a · qb·scale_b + bias.
/// The reference quantises the weights itself (never calling the converter's quantiser), so a transposition or a
/// scale-per-row/column mix-up fails.
/// </summary>
public sealed class W8A8LinearTests : IDisposable
{
    private const int N = 40, M = 5;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vlo-w8a8-" + Guid.NewGuid().ToString("N"));

    public W8A8LinearTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(96, true)]
    [InlineData(80, false)]
    [InlineData(7, true)] // K smaller than any block
    public void MatchesTheDocumentedInt8Product(int k, bool withBias)
    {
        var random = new Random(k);
        // Rows of very different magnitudes: a per-row (per output column) scale matters.
        var weight = new float[N * k];
        for (var n = 0; n < N; n++)
            for (var i = 0; i < k; i++) weight[n * k + i] = (float)((random.NextDouble() * 2 - 1) * (n % 4 + 1) * 0.1);
        weight[3 * k + 1] = 0f;
        var bias = Enumerable.Range(0, N).Select(_ => (float)random.NextDouble()).ToArray();
        var x = Enumerable.Range(0, M * k).Select(_ => (float)(random.NextDouble() * 3 - 1)).ToArray();
        var y = Run(k, weight, withBias ? bias : null, x);

        // reference: weights per output column
        var qw = new int[N * k];
        var scaleW = new double[N];
        for (var n = 0; n < N; n++)
        {
            double amax = 0;
            for (var i = 0; i < k; i++) amax = Math.Max(amax, Math.Abs(weight[n * k + i]));
            scaleW[n] = amax / 127;
            for (var i = 0; i < k; i++) qw[n * k + i] = scaleW[n] == 0 ? 0 : (int)Math.Round(weight[n * k + i] / scaleW[n], MidpointRounding.ToEven);
        }
        // reference: activations per tensor, uint8 asymmetric
        double min = Math.Min(0, x.Min()), max = Math.Max(0, x.Max());
        var scaleA = (max - min) / 255;
        var zeroA = Math.Clamp(Math.Round(-min / scaleA, MidpointRounding.ToEven), 0, 255);
        var qa = x.Select(v => Math.Clamp(Math.Round(v / scaleA, MidpointRounding.ToEven) + zeroA, 0, 255)).ToArray();

        double worst = 0, scale = 0;
        for (var m = 0; m < M; m++)
            for (var n = 0; n < N; n++)
            {
                double sum = 0, exact = withBias ? bias[n] : 0;
                for (var i = 0; i < k; i++)
                {
                    sum += (qa[m * k + i] - zeroA) * qw[n * k + i];
                    exact += (double)x[m * k + i] * weight[n * k + i];
                }
                var expected = sum * scaleA * scaleW[n] + (withBias ? bias[n] : 0);
                // float32 scales and products in ORT vs double here, plus the odd activation a rounding step apart:
                // one step of A times Σ|w| bounds it; 1e-4 relative covers the float32 accumulation.
                var tolerance = 1e-4 * (1 + Math.Abs(expected)) + scaleA * 127 * scaleW[n] * 2;
                Assert.True(Math.Abs(y[m * N + n] - expected) <= tolerance, $"y[{m},{n}] = {y[m * N + n]}, reference {expected:G9}");
                worst = Math.Max(worst, Math.Abs(y[m * N + n] - exact));
                scale = Math.Max(scale, Math.Abs(exact));
            }
        // and the whole product is the fp32 product up to quantisation: half a step of A and of B per term.
        Assert.True(worst / scale < 0.03, $"w8a8 vs fp32 product: {worst / scale:E3} of max|y|");
    }

    [Fact]
    public void KeepPreciseLayersUseThePreciseFormat()
    {
        var options = new ConversionOptions { Weights = WeightFormat.W8A8 };
        Assert.Equal(WeightFormat.Int8, options.EffectiveLmHead);
        Assert.Equal(WeightFormat.Int8, options.FormatOf("visual.merger.linear_fc1"));
        Assert.Equal(WeightFormat.Int8, options.FormatOf("visual.deepstack_merger_list.2.linear_fc2"));
        Assert.Equal(WeightFormat.W8A8, options.FormatOf("layers.0.q_proj"));
        Assert.Equal(WeightFormat.W8A8, options.FormatOf("visual.blocks.0.attn.qkv"));

        var custom = options with { KeepPrecise = ["layers.0.", "patch_embed"], PreciseFormat = WeightFormat.Fp32 };
        Assert.Equal(WeightFormat.Fp32, custom.FormatOf("layers.0.q_proj"));
        Assert.Equal(WeightFormat.W8A8, custom.FormatOf("layers.10.q_proj")); // the trailing dot keeps layer 10 out
        Assert.Equal(WeightFormat.Fp32, custom.FormatOf("visual.patch_embed"));
        Assert.Equal(WeightFormat.W8A8, custom.EffectiveLmHead);
        Assert.Equal(WeightFormat.Int4, (custom with { LmHead = WeightFormat.Int4 }).EffectiveLmHead);

        // other formats keep nothing precise unless asked
        Assert.Equal(WeightFormat.Int4, new ConversionOptions { Weights = WeightFormat.Int4 }.FormatOf("lm_head"));
        Assert.Throws<ArgumentException>(() => (options with { KeepPrecise = [" "] }).Validate());
    }

    private float[] Run(int k, float[] weight, float[]? bias, float[] x)
    {
        var tensors = new List<SafetensorsTensorSource> { SafetensorsTensorSource.FromSingle("model.visual.layer.weight", [N, k], weight) };
        if (bias is not null) tensors.Add(SafetensorsTensorSource.FromSingle("model.visual.layer.bias", [N], bias));
        SafetensorsWriter.Write(Path.Combine(_folder, "model.safetensors"), tensors);
        using var checkpoint = SafetensorsCheckpoint.Open(_folder);
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "m", k);
        // 64-byte streaming blocks: the transposed int8 stream crosses many block boundaries.
        var writer = new LinearLayerWriter(new CheckpointTensors(checkpoint), new ConversionOptions { Weights = WeightFormat.W8A8 }, blockBytes: 64);
        var y = writer.Linear(new GraphWriter(builder), "x", "layer", "model.visual.layer.weight", bias is null ? null : "model.visual.layer.bias");
        builder.AddNode("Identity", [y], ["y"]);
        builder.AddOutput("y", OnnxElementType.Float, "m", N);
        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var input = OnnxValue.CreateTensor(x, M, k);
        using var result = session.Run(["x"], [input], "y")[0];
        return result.ToArray<float>();
    }
}
