using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.Tests.Onnx;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The attention node the mask-free vision graphs use — com.microsoft.MultiHeadAttention with q, k, v [1, N, E] only, which
/// ORT's CPU kernel runs as flash attention (onnxruntime contrib_ops/cpu/bert/multihead_attention.cc: no attention_bias,
/// key_padding_mask, past or present, and a known L2 size) — against softmax(q·kᵀ/√d)·v in double precision, at a
/// length that spans several of the kernel's tiles (key tiles are L2 / (16·(2·hd)) rows: 1,024 for a 2 MB L2 and hd 64),
/// and the same node with a zero attention_bias (the unfused path the masked graphs took).
/// </summary>
public sealed class FlashAttentionTests(ITestOutputHelper output)
{
    [Fact]
    public void MatchesPlainAttentionAcrossTiles()
    {
        const int n = 1200, heads = 2, hd = 64, e = heads * hd; // 1200 = the 640×480 image's patch count
        var random = new Random(3);
        float[] q = PlainMath.Uniform(random, n * e, -2f, 2f), k = PlainMath.Uniform(random, n * e, -2f, 2f), v = PlainMath.Uniform(random, n * e, -1f, 1f);
        var expected = Attention(q, k, v, n, heads, hd);

        var flash = Run(q, k, v, n, heads, hd, zeroBias: false);
        var unfused = Run(q, k, v, n, heads, hd, zeroBias: true);
        double flashError = TinyPackage.RelativeError(flash, expected), unfusedError = TinyPackage.RelativeError(unfused, expected);
        output.WriteLine($"N {n}: flash {flashError:E2}, with zero attention_bias {unfusedError:E2}");
        Assert.True(flashError <= 1e-5, $"flash {flashError:E3}");
        Assert.True(unfusedError <= 1e-5, $"unfused {unfusedError:E3}");
    }

    private static float[] Run(float[] q, float[] k, float[] v, int n, int heads, int hd, bool zeroBias)
    {
        var e = heads * hd;
        using var b = OnnxModelBuilder.InMemory();
        foreach (var name in new[] { "q", "k", "v" }) b.AddInput(name, OnnxElementType.Float, 1, "n", e);
        b.AddOutput("y", OnnxElementType.Float, 1, "n", e);
        List<string> inputs = ["q", "k", "v"];
        if (zeroBias) inputs.AddRange(["", "", b.AddInitializer<float>("zero", new float[n * n], 1, 1, n, n)]);
        b.AddNode("MultiHeadAttention", inputs, ["y"],
            [OnnxAttribute.Int("num_heads", heads), OnnxAttribute.Float("scale", (float)(1 / Math.Sqrt(hd)))], OnnxModelBuilder.MicrosoftDomain);
        using var session = OnnxSession.Load(b.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 2 });
        using OnnxValue qv = OnnxValue.CreateTensor(q, 1, n, e), kv = OnnxValue.CreateTensor(k, 1, n, e), vv = OnnxValue.CreateTensor(v, 1, n, e);
        var results = session.Run(["q", "k", "v"], [qv, kv, vv], "y");
        try
        {
            return results[0].ToArray<float>();
        }
        finally
        {
            foreach (var r in results) r.Dispose();
        }
    }

    /// <summary>Per head: softmax(q·kᵀ/√hd)·v in double; rows [N, E] with heads packed along E.</summary>
    private static float[] Attention(float[] q, float[] k, float[] v, int n, int heads, int hd)
    {
        var e = heads * hd;
        var result = new float[n * e];
        var scores = new double[n];
        for (var h = 0; h < heads; h++)
            for (var i = 0; i < n; i++)
            {
                var max = double.NegativeInfinity;
                for (var j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (var c = 0; c < hd; c++) dot += (double)q[i * e + h * hd + c] * k[j * e + h * hd + c];
                    scores[j] = dot / Math.Sqrt(hd);
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (var j = 0; j < n; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                for (var c = 0; c < hd; c++)
                {
                    double acc = 0;
                    for (var j = 0; j < n; j++) acc += scores[j] * v[j * e + h * hd + c];
                    result[i * e + h * hd + c] = (float)(acc / sum);
                }
            }
        return result;
    }
}
