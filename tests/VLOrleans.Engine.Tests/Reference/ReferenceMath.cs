namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// The scalar building blocks of the reference forward, in double precision, written from their
/// definitions (QWEN_VL_FACTS.md §2; transformers' modeling_qwen3_vl.py read for facts). Slow on purpose:
/// plain loops, no vectorisation, nothing shared with the product's graph builders.
/// </summary>
public static class ReferenceMath
{
    /// <summary>y = W·x + b for W stored row-major [out, in] (PyTorch Linear layout).</summary>
    public static double[] Linear(double[] x, float[] weight, float[]? bias, int outFeatures)
    {
        var inFeatures = x.Length;
        if (weight.Length != (long)outFeatures * inFeatures) throw new ArgumentException($"weight has {weight.Length} values, expected {outFeatures}×{inFeatures}");
        var y = new double[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            double sum = bias is null ? 0 : bias[o];
            // equal-length spans let the JIT drop bounds checks: lm_head is 151936 rows per token
            var row = weight.AsSpan(o * inFeatures, inFeatures);
            var input = x.AsSpan(0, row.Length);
            for (var i = 0; i < row.Length; i++) sum += row[i] * input[i];
            y[o] = sum;
        }
        return y;
    }

    /// <summary>RMSNorm: x / sqrt(mean(x²) + eps) · w.</summary>
    public static double[] RmsNorm(ReadOnlySpan<double> x, ReadOnlySpan<float> weight, double eps)
    {
        double meanSquare = 0;
        foreach (var v in x) meanSquare += v * v;
        meanSquare /= x.Length;
        var scale = 1 / Math.Sqrt(meanSquare + eps);
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++) y[i] = x[i] * scale * weight[i];
        return y;
    }

    /// <summary>LayerNorm with biased variance: (x − mean) / sqrt(var + eps) · w + b.</summary>
    public static double[] LayerNorm(ReadOnlySpan<double> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, double eps)
    {
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double variance = 0;
        foreach (var v in x) variance += (v - mean) * (v - mean);
        variance /= x.Length;
        var scale = 1 / Math.Sqrt(variance + eps);
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++) y[i] = (x[i] - mean) * scale * weight[i] + bias[i];
        return y;
    }

    /// <summary>Exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)) (nn.GELU(), the mergers' activation).</summary>
    public static double GeluErf(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>tanh-approximated GELU (gelu_pytorch_tanh, the vision blocks' MLP): x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    /// <summary>
    /// erf to ~1e-15. For |x| &lt; 3 the all-positive series erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))
    /// (no cancellation, unlike the alternating Maclaurin series); for |x| ≥ 3, 1 − erfc(x) by its continued fraction.
    /// .NET has no Math.Erf.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        var ax = Math.Abs(x);
        double result;
        if (ax < 3)
        {
            double term = ax, sum = ax, x2 = ax * ax;
            for (var n = 1; n < 300; n++)
            {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
                if (term < 1e-17 * sum) break;
            }
            result = 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
        }
        else
        {
            result = 1 - Erfc(ax);
        }
        return x < 0 ? -result : result;
    }

    /// <summary>erfc(x) for x ≥ 3 by the continued fraction e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated backwards.</summary>
    private static double Erfc(double x)
    {
        double fraction = 0;
        for (var k = 60; k >= 1; k--) fraction = k / 2.0 / (x + fraction);
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / (x + fraction);
    }

    /// <summary>In-place softmax (max-subtracted).</summary>
    public static void Softmax(Span<double> x)
    {
        var max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        double sum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Math.Exp(x[i] - max);
            sum += x[i];
        }
        for (var i = 0; i < x.Length; i++) x[i] /= sum;
    }

    /// <summary>
    /// Multi-head attention within segments (no attention across them): rows start..start+length−1 of a segment attend to
    /// each other only, each head over its own hd-wide slice, scaled by 1/√hd — the vision towers' cu_seqlens attention.
    /// </summary>
    public static double[][] SegmentAttention(double[][] q, double[][] k, double[][] v, IEnumerable<(int Start, int Length)> segments, int heads, int hd)
    {
        var attended = new double[q.Length][];
        var scale = 1 / Math.Sqrt(hd);
        foreach (var (start, length) in segments)
        {
            for (var i = start; i < start + length; i++)
            {
                var output = new double[heads * hd];
                var scores = new double[length];
                for (var h = 0; h < heads; h++)
                {
                    for (var j = 0; j < length; j++)
                    {
                        double dot = 0;
                        for (var d = 0; d < hd; d++) dot += q[i][h * hd + d] * k[start + j][h * hd + d];
                        scores[j] = dot * scale;
                    }
                    Softmax(scores);
                    for (var j = 0; j < length; j++)
                        for (var d = 0; d < hd; d++) output[h * hd + d] += scores[j] * v[start + j][h * hd + d];
                }
                attended[i] = output;
            }
        }
        return attended;
    }

    /// <summary>
    /// Rotate-half rotary embedding of one head vector: y = x·cos + rotate_half(x)·sin with
    /// rotate_half(x) = (−x[d/2:], x[:d/2]); <paramref name="angles"/> has d/2 entries and is used for both halves
    /// (cos/sin of cat(angles, angles)).
    /// </summary>
    public static void ApplyRotary(Span<double> x, ReadOnlySpan<double> angles)
    {
        var half = x.Length / 2;
        if (angles.Length != half) throw new ArgumentException($"{angles.Length} angles for a {x.Length}-wide head");
        for (var i = 0; i < half; i++)
        {
            double c = Math.Cos(angles[i]), s = Math.Sin(angles[i]);
            double a = x[i], b = x[i + half];
            x[i] = a * c - b * s;
            x[i + half] = b * c + a * s;
        }
    }

    public static float[,] ToFloat(IReadOnlyList<double[]> rows)
    {
        var width = rows.Count == 0 ? 0 : rows[0].Length;
        var result = new float[rows.Count, width];
        for (var r = 0; r < rows.Count; r++)
            for (var c = 0; c < width; c++) result[r, c] = (float)rows[r][c];
        return result;
    }
}
