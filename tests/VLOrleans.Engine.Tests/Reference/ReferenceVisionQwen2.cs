using VLOrleans.Engine.Models;
using static VLOrleans.Engine.Tests.Reference.ReferenceMath;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// Qwen2-VL and Qwen2.5-VL vision towers, plain and slow, written from transformers' modeling_qwen2_vl.py /
/// modeling_qwen2_5_vl.py (QWEN_VL_FACTS.md §2.2): patch embed (no bias, no position table) → 2D rotary angles per patch
/// (rot_pos_emb) → [Qwen2.5: reorder merge units by get_window_index] → blocks [norm1 → qkv → rotary → attention per
/// segment (cu_seqlens: frames; Qwen2.5 blocks outside fullatt_block_indexes: cu_window_seqlens) → proj → residual →
/// norm2 → MLP → residual] → merger (ln_q, 4 rows → 4E, mlp.0, exact GELU, mlp.2) → [Qwen2.5: argsort(window_index)].
/// Qwen2-VL: LayerNorm + fc1/quick_gelu/fc2; Qwen2.5-VL: RMSNorm + SwiGLU (gate/up/down with bias).
/// The window index is computed the way transformers does it: pad the merged grid with −100 up to whole windows (a whole
/// extra window when it already divides), cut into windows, drop the padding, keep non-empty window lengths.
/// </summary>
/// <param name="allBlocksFullAttention">Treat every Qwen2.5-VL block as a full-attention block (to show that windows matter).</param>
public sealed class ReferenceVisionQwen2(ReferenceWeights weights, bool allBlocksFullAttention = false)
{
    private const string Prefix = "model.visual.";
    private const double NormEps = 1e-6;
    private readonly QwenVisionConfig _c = weights.Config.Vision;
    private readonly bool _isQwen25 = weights.Config.Family == QwenVlFamily.Qwen25Vl;

    /// <param name="pixelValues">[N, 3·T·P·P] row-major, rows in merge order as the image processor emits them.</param>
    /// <param name="grids">(t, h, w) in patches per image.</param>
    /// <returns>image_features [N/4, out_hidden] in the processor's order.</returns>
    public float[,] Encode(float[] pixelValues, (int T, int H, int W)[] grids)
    {
        var rowLength = _c.PatchRowLength;
        var count = grids.Sum(g => g.T * g.H * g.W);
        if (pixelValues.Length != (long)count * rowLength)
            throw new ArgumentException($"pixel_values has {pixelValues.Length} values; grids need {count}×{rowLength}");
        var unit = _c.SpatialMergeSize * _c.SpatialMergeSize;

        var hidden = new double[count][];
        var angles = new double[count][];
        var n = 0;
        foreach (var (t, h, w) in grids)
        {
            var order = ReferenceVisionPositions.MergeOrder(h, w, _c.SpatialMergeSize);
            for (var frame = 0; frame < t; frame++)
                foreach (var (row, col) in order)
                {
                    var x = new double[rowLength];
                    for (var i = 0; i < rowLength; i++) x[i] = pixelValues[(long)n * rowLength + i];
                    hidden[n] = Linear(x, weights[Prefix + "patch_embed.proj.weight"], null, _c.HiddenSize);
                    angles[n] = ReferenceVisionPositions.RotaryAngles(row, col, _c.HeadDim);
                    n++;
                }
        }

        // cu_seqlens: one segment per frame (h·w patches, repeated t times).
        var frames = new List<(int Start, int Length)>();
        var start = 0;
        foreach (var (t, h, w) in grids)
            for (var f = 0; f < t; f++, start += h * w) frames.Add((start, h * w));

        var windows = frames;
        int[]? windowIndex = null;
        if (_isQwen25)
        {
            (windowIndex, var windowLengths) = WindowIndex(grids);
            hidden = Reorder(hidden, windowIndex, unit);
            angles = Reorder(angles, windowIndex, unit);
            windows = [];
            start = 0;
            foreach (var length in windowLengths)
            {
                windows.Add((start, length * unit));
                start += length * unit;
            }
        }

        for (var block = 0; block < _c.Depth; block++)
        {
            var segments = _isQwen25 && !allBlocksFullAttention && !_c.FullAttentionBlockIndexes.Contains(block) ? windows : frames;
            hidden = Block(block, hidden, angles, segments);
        }
        var merged = Merge(hidden);
        if (windowIndex is null) return ToFloat(merged);
        // argsort(window_index): merged row k (window order) is original merge unit windowIndex[k].
        var restored = new double[merged.Count][];
        for (var k = 0; k < windowIndex.Length; k++) restored[windowIndex[k]] = merged[k];
        return ToFloat(restored);
    }

    /// <summary>transformers' get_window_index: merge-unit permutation and the non-empty windows' lengths (in units).</summary>
    public (int[] WindowIndex, List<int> Lengths) WindowIndex((int T, int H, int W)[] grids)
    {
        var win = _c.WindowSize / _c.SpatialMergeSize / _c.PatchSize;
        var index = new List<int>();
        var lengths = new List<int>();
        var offset = 0;
        foreach (var (t, h, w) in grids)
        {
            int gh = h / _c.SpatialMergeSize, gw = w / _c.SpatialMergeSize;
            int padH = win - gh % win, padW = win - gw % win;
            int rows = (gh + padH) / win, cols = (gw + padW) / win;
            // index_padded[t][r][c] = running unit number, −100 in the padding.
            var padded = new int[t, gh + padH, gw + padW];
            for (var f = 0; f < t; f++)
                for (var r = 0; r < gh + padH; r++)
                    for (var c = 0; c < gw + padW; c++)
                        padded[f, r, c] = r < gh && c < gw ? f * gh * gw + r * gw + c : -100;
            for (var f = 0; f < t; f++)
                for (var wr = 0; wr < rows; wr++)
                    for (var wc = 0; wc < cols; wc++)
                    {
                        var length = 0;
                        for (var r = 0; r < win; r++)
                            for (var c = 0; c < win; c++)
                            {
                                var value = padded[f, wr * win + r, wc * win + c];
                                if (value == -100) continue;
                                index.Add(value + offset);
                                length++;
                            }
                        // unique_consecutive over cu_window_seqlens drops the empty windows.
                        if (length > 0) lengths.Add(length);
                    }
            offset += t * gh * gw;
        }
        return (index.ToArray(), lengths);
    }

    private static double[][] Reorder(double[][] rows, int[] unitIndex, int unit)
    {
        var result = new double[rows.Length][];
        for (var k = 0; k < unitIndex.Length; k++)
            for (var u = 0; u < unit; u++) result[k * unit + u] = rows[unitIndex[k] * unit + u];
        return result;
    }

    private double[] Norm(double[] x, string prefix) => _isQwen25
        ? RmsNorm(x, weights[prefix + ".weight"], NormEps)
        : LayerNorm(x, weights[prefix + ".weight"], weights[prefix + ".bias"], NormEps);

    private double[][] Block(int index, double[][] x, double[][] angles, List<(int Start, int Length)> segments)
    {
        var p = $"{Prefix}blocks.{index}.";
        int e = _c.HiddenSize, heads = _c.HeadCount, hd = _c.HeadDim;
        var count = x.Length;
        var q = new double[count][];
        var k = new double[count][];
        var v = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var qkv = Linear(Norm(x[i], p + "norm1"), weights[p + "attn.qkv.weight"], weights[p + "attn.qkv.bias"], 3 * e);
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
            var normed = Norm(y, p + "norm2");
            double[] down;
            if (_isQwen25)
            {
                var gate = Linear(normed, weights[p + "mlp.gate_proj.weight"], weights[p + "mlp.gate_proj.bias"], _c.IntermediateSize);
                var up = Linear(normed, weights[p + "mlp.up_proj.weight"], weights[p + "mlp.up_proj.bias"], _c.IntermediateSize);
                for (var d = 0; d < gate.Length; d++) gate[d] = Silu(gate[d]) * up[d];
                down = Linear(gate, weights[p + "mlp.down_proj.weight"], weights[p + "mlp.down_proj.bias"], e);
            }
            else
            {
                var up = Linear(normed, weights[p + "mlp.fc1.weight"], weights[p + "mlp.fc1.bias"], _c.IntermediateSize);
                for (var d = 0; d < up.Length; d++) up[d] *= 1 / (1 + Math.Exp(-1.702 * up[d])); // quick_gelu
                down = Linear(up, weights[p + "mlp.fc2.weight"], weights[p + "mlp.fc2.bias"], e);
            }
            for (var d = 0; d < e; d++) y[d] += down[d];
            result[i] = y;
        }
        return result;
    }

    /// <summary>PatchMerger: ln_q over each of 4 consecutive rows, concat to 4E, mlp.0, exact GELU, mlp.2.</summary>
    private List<double[]> Merge(double[][] x)
    {
        var unit = _c.SpatialMergeSize * _c.SpatialMergeSize;
        int e = _c.HiddenSize, merged = e * unit;
        var rows = new List<double[]>(x.Length / unit);
        for (var g = 0; g < x.Length / unit; g++)
        {
            var concat = new double[merged];
            for (var u = 0; u < unit; u++) Norm(x[g * unit + u], Prefix + "merger.ln_q").CopyTo(concat, u * e);
            var hiddenLayer = Linear(concat, weights[Prefix + "merger.mlp.0.weight"], weights[Prefix + "merger.mlp.0.bias"], merged);
            for (var d = 0; d < merged; d++) hiddenLayer[d] = GeluErf(hiddenLayer[d]);
            rows.Add(Linear(hiddenLayer, weights[Prefix + "merger.mlp.2.weight"], weights[Prefix + "merger.mlp.2.bias"], _c.OutHiddenSize));
        }
        return rows;
    }
}
