using VLOrleans.Engine.Models;
using static VLOrleans.Engine.Tests.Reference.ReferenceMath;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>The vision tower's outputs: main merged features [N/4, out] and one [N/4, out] array per DeepStack merger.</summary>
public sealed record ReferenceVisionOutput(float[,] ImageFeatures, float[][,] Deepstack);

/// <summary>
/// Qwen3-VL vision tower (Qwen3VLVisionModel), plain and slow, from QWEN_VL_FACTS.md §2.2:
/// patch embed (+bias) → + interpolated learned position table (merge order, repeated per frame) → blocks
/// [LayerNorm → qkv → 2D rotary → attention within each frame of each image → proj → residual → LayerNorm →
/// fc1 → tanh-GELU → fc2 → residual] → main merger (LayerNorm over E, 2×2 concat, fc1, exact GELU, fc2);
/// after blocks in deepstack_visual_indexes a DeepStack merger (concat first, LayerNorm over 4E, fc1, exact GELU, fc2).
/// </summary>
public sealed class ReferenceVision(ReferenceWeights weights)
{
    private const string Prefix = "model.visual.";
    private const double NormEps = 1e-6;
    private readonly QwenVisionConfig _c = weights.Config.Vision;

    /// <param name="pixelValues">[N, 3·T·P·P] row-major, rows in merge order as the image processor emits them.</param>
    /// <param name="grids">(t, h, w) in patches per image; N = Σ t·h·w.</param>
    public ReferenceVisionOutput Encode(float[] pixelValues, (int T, int H, int W)[] grids)
    {
        var rowLength = _c.PatchRowLength;
        var count = grids.Sum(g => g.T * g.H * g.W);
        if (pixelValues.Length != (long)count * rowLength)
            throw new ArgumentException($"pixel_values has {pixelValues.Length} values; grids need {count}×{rowLength}");
        var e = _c.HiddenSize;

        // patch embed + position table, and each patch's rotary angles and segment (one segment per frame)
        var hidden = new double[count][];
        var angles = new double[count][];
        var segments = new List<(int Start, int Length)>();
        var patchWeight = weights[Prefix + "patch_embed.proj.weight"];
        var patchBias = weights[Prefix + "patch_embed.proj.bias"];
        var table = weights[Prefix + "pos_embed.weight"];
        var side = (int)Math.Round(Math.Sqrt(_c.PositionEmbeddingCount));
        var n = 0;
        foreach (var (t, h, w) in grids)
        {
            var positionTerms = ReferenceVisionPositions.PatchPositionEmbeddings(table, side, e, (t, h, w), _c.SpatialMergeSize);
            var order = ReferenceVisionPositions.MergeOrder(h, w, _c.SpatialMergeSize);
            for (var frame = 0; frame < t; frame++)
            {
                segments.Add((n, h * w));
                for (var k = 0; k < order.Length; k++)
                {
                    var (row, col) = order[k];
                    var x = new double[rowLength];
                    for (var i = 0; i < rowLength; i++) x[i] = pixelValues[(long)n * rowLength + i];
                    var embedded = Linear(x, patchWeight, patchBias, e);
                    var pos = positionTerms[frame * order.Length + k];
                    for (var i = 0; i < e; i++) embedded[i] += pos[i];
                    hidden[n] = embedded;
                    angles[n] = ReferenceVisionPositions.RotaryAngles(row, col, _c.HeadDim);
                    n++;
                }
            }
        }

        var deepstack = new float[_c.DeepstackVisualIndexes.Length][,];
        for (var block = 0; block < _c.Depth; block++)
        {
            hidden = Block(block, hidden, angles, segments);
            var j = Array.IndexOf(_c.DeepstackVisualIndexes, block);
            if (j >= 0) deepstack[j] = Merge($"{Prefix}deepstack_merger_list.{j}.", hidden, normAfterConcat: true);
        }
        return new ReferenceVisionOutput(Merge(Prefix + "merger.", hidden, normAfterConcat: false), deepstack);
    }

    private double[][] Block(int index, double[][] x, double[][] angles, List<(int Start, int Length)> segments)
    {
        var p = $"{Prefix}blocks.{index}.";
        int e = _c.HiddenSize, heads = _c.HeadCount, hd = _c.HeadDim;
        var count = x.Length;

        // attention: qkv rows are [q(all heads) | k | v], each head hd wide
        var q = new double[count][];
        var k = new double[count][];
        var v = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var normed = LayerNorm(x[i], weights[p + "norm1.weight"], weights[p + "norm1.bias"], NormEps);
            var qkv = Linear(normed, weights[p + "attn.qkv.weight"], weights[p + "attn.qkv.bias"], 3 * e);
            q[i] = qkv[..e];
            k[i] = qkv[e..(2 * e)];
            v[i] = qkv[(2 * e)..];
            for (var h = 0; h < heads; h++)
            {
                ApplyRotary(q[i].AsSpan(h * hd, hd), angles[i]);
                ApplyRotary(k[i].AsSpan(h * hd, hd), angles[i]);
            }
        }
        var attended = SegmentAttention(q, k, v, segments, heads, hd);

        var result = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var projected = Linear(attended[i], weights[p + "attn.proj.weight"], weights[p + "attn.proj.bias"], e);
            var y = new double[e];
            for (var d = 0; d < e; d++) y[d] = x[i][d] + projected[d];
            var normed = LayerNorm(y, weights[p + "norm2.weight"], weights[p + "norm2.bias"], NormEps);
            var up = Linear(normed, weights[p + "mlp.linear_fc1.weight"], weights[p + "mlp.linear_fc1.bias"], _c.IntermediateSize);
            for (var d = 0; d < up.Length; d++) up[d] = GeluTanh(up[d]);
            var down = Linear(up, weights[p + "mlp.linear_fc2.weight"], weights[p + "mlp.linear_fc2.bias"], e);
            for (var d = 0; d < e; d++) y[d] += down[d];
            result[i] = y;
        }
        return result;
    }

    /// <summary>Qwen3VLVisionPatchMerger: 4 consecutive rows → one [4E] row; norm over E before (main) or over 4E after (DeepStack) the concat.</summary>
    private float[,] Merge(string p, double[][] x, bool normAfterConcat)
    {
        var unit = _c.SpatialMergeSize * _c.SpatialMergeSize;
        int e = _c.HiddenSize, merged = e * unit;
        var rows = new List<double[]>(x.Length / unit);
        for (var g = 0; g < x.Length / unit; g++)
        {
            var concat = new double[merged];
            for (var u = 0; u < unit; u++)
            {
                var part = normAfterConcat ? x[g * unit + u] : LayerNorm(x[g * unit + u], weights[p + "norm.weight"], weights[p + "norm.bias"], NormEps);
                part.CopyTo(concat, u * e);
            }
            if (normAfterConcat) concat = LayerNorm(concat, weights[p + "norm.weight"], weights[p + "norm.bias"], NormEps);
            var hiddenLayer = Linear(concat, weights[p + "linear_fc1.weight"], weights[p + "linear_fc1.bias"], merged);
            for (var d = 0; d < merged; d++) hiddenLayer[d] = GeluErf(hiddenLayer[d]);
            rows.Add(Linear(hiddenLayer, weights[p + "linear_fc2.weight"], weights[p + "linear_fc2.bias"], _c.OutHiddenSize));
        }
        return ToFloat(rows);
    }
}
