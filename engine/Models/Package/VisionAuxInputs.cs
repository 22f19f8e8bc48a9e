namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// The vision graph's host-computed inputs for a batch of images (all three families), from <c>image_grid_thw</c> alone. One
/// implementation for the engine and the tests. Rows follow <c>pixel_values</c>' patch order: per image, per frame, merge
/// order (block row, block column, row in block, column in block) — QWEN_VL_FACTS.md §2.7 — except for Qwen2.5-VL, whose
/// rotary tables and segments follow the window order (see VisionAuxInputs.Windows.cs).
/// <list type="bullet">
/// <item><see cref="PosEmbedIndices"/>/<see cref="PosEmbedWeights"/> [N,4] (Qwen3-VL only; empty otherwise): the learned 48×48 table interpolated bilinearly
/// (align_corners) to h×w, as transformers' <c>fast_pos_embed_interpolate</c>: sample points linspace(0, 47, h) and
/// linspace(0, 47, w) in float32; corners (floor,floor), (floor,ceil), (ceil,floor), (ceil,ceil), ceil clipped to 47,
/// weights (1−dh)(1−dw), (1−dh)dw, dh(1−dw), dh·dw. Repeated for every frame.</item>
/// <item><see cref="RotaryCos"/>/<see cref="RotarySin"/> [N, head_dim]: 2D rotary (<c>rot_pos_emb</c>): with d = head_dim/2 and
/// inv_freq[j] = 10000^(−2j/d), j &lt; d/2, the angle vector is [row·inv_freq, col·inv_freq] (d values), duplicated to
/// head_dim for rotate-half; float32 like transformers.</item>
/// <item><see cref="SegmentIds"/> [N]: running frame number; attention is restricted to patches of the same frame
/// (transformers' cu_seqlens).</item>
/// </list>
/// </summary>
public sealed partial record VisionAuxInputs
{
    /// <summary>Side of the square learned position table (48 for 2304 entries).</summary>
    public required int PositionGridSide { get; init; }

    public required int PatchCount { get; init; }

    public required int HeadDim { get; init; }

    public required long[] PosEmbedIndices { get; init; }

    public required float[] PosEmbedWeights { get; init; }

    public required float[] RotaryCos { get; init; }

    public required float[] RotarySin { get; init; }

    public required long[] SegmentIds { get; init; }

    /// <summary>Rows of <c>image_features</c> the graph returns (N / merge²).</summary>
    public int MergedTokenCount { get; init; }

    /// <summary>Rotary base of the vision tower (transformers' VisionRotaryEmbedding default).</summary>
    public const double RotaryTheta = 10000;

    /// <param name="imageGridThw">The <c>image_grid_thw</c> tensor flattened: (t, h, w) per image, h and w in patches.</param>
    /// <exception cref="ArgumentException">A grid is empty, not a multiple of the merge size, or too large.</exception>
    public static VisionAuxInputs Compute(QwenVisionConfig vision, ReadOnlySpan<long> imageGridThw)
    {
        if (imageGridThw.Length % 3 != 0) throw new ArgumentException($"image_grid_thw has {imageGridThw.Length} values; 3 per image expected", nameof(imageGridThw));
        var merge = vision.SpatialMergeSize;
        // Qwen2/2.5-VL have no learned position table (PositionEmbeddingCount 0): no pos_embed inputs.
        var hasTable = vision.PositionEmbeddingCount > 0;
        var side = (int)Math.Round(Math.Sqrt(vision.PositionEmbeddingCount));
        if (hasTable && (side * side != vision.PositionEmbeddingCount || side < 2))
            throw new ArgumentException($"position table of {vision.PositionEmbeddingCount} entries is not a square grid");
        long total = 0;
        for (var i = 0; i < imageGridThw.Length; i += 3)
        {
            long t = imageGridThw[i], h = imageGridThw[i + 1], w = imageGridThw[i + 2];
            if (t < 1 || h < merge || w < merge || h % merge != 0 || w % merge != 0)
                throw new ArgumentException($"image {i / 3}: grid ({t}, {h}, {w}) must have t ≥ 1 and h, w positive multiples of {merge}");
            total += t * h * w;
        }
        // 1 M patches is ~16k×16k pixels; beyond that the [N,N] attention would not fit anyway.
        if (total > 1 << 20) throw new ArgumentException($"{total} patches exceed the 1048576 the vision encoder accepts in one run");

        var n = (int)total;
        var hd = vision.HeadDim;
        var result = new VisionAuxInputs
        {
            PositionGridSide = side,
            PatchCount = n,
            HeadDim = hd,
            PosEmbedIndices = new long[hasTable ? n * 4 : 0],
            PosEmbedWeights = new float[hasTable ? n * 4 : 0],
            RotaryCos = new float[n * hd],
            RotarySin = new float[n * hd],
            SegmentIds = new long[n],
            MergedTokenCount = n / (merge * merge),
        };
        var invFreq = RotaryInverseFrequencies(hd);
        var row = 0;
        var segment = 0L;
        for (var i = 0; i < imageGridThw.Length; i += 3)
        {
            int t = (int)imageGridThw[i], h = (int)imageGridThw[i + 1], w = (int)imageGridThw[i + 2];
            var (hFloor, hCeil, hFrac) = SamplePoints(hasTable ? h : 0, side);
            var (wFloor, wCeil, wFrac) = SamplePoints(hasTable ? w : 0, side);
            for (var f = 0; f < t; f++, segment++)
            {
                for (var br = 0; br < h / merge; br++)
                    for (var bc = 0; bc < w / merge; bc++)
                        for (var ir = 0; ir < merge; ir++)
                            for (var ic = 0; ic < merge; ic++, row++)
                            {
                                int r = br * merge + ir, c = bc * merge + ic;
                                FillRotary(result.RotaryCos.AsSpan(row * hd, hd), result.RotarySin.AsSpan(row * hd, hd), r, c, invFreq);
                                result.SegmentIds[row] = segment;
                                if (!hasTable) continue;
                                var idx = result.PosEmbedIndices.AsSpan(row * 4, 4);
                                idx[0] = hFloor[r] * side + wFloor[c];
                                idx[1] = hFloor[r] * side + wCeil[c];
                                idx[2] = hCeil[r] * side + wFloor[c];
                                idx[3] = hCeil[r] * side + wCeil[c];
                                float dh = hFrac[r], dw = wFrac[c];
                                var wt = result.PosEmbedWeights.AsSpan(row * 4, 4);
                                wt[0] = (1 - dh) * (1 - dw);
                                wt[1] = (1 - dh) * dw;
                                wt[2] = dh * (1 - dw);
                                wt[3] = dh * dw;
                            }
            }
        }
        return vision.WindowSize > 0 ? result.InWindowOrder(vision, imageGridThw) : result;
    }

    /// <summary>inv_freq[j] = 1 / 10000^(2j/d), d = head_dim/2, j &lt; d/2 (float32 as transformers computes it).</summary>
    private static float[] RotaryInverseFrequencies(int headDim)
    {
        var d = headDim / 2;
        var result = new float[d / 2];
        for (var j = 0; j < result.Length; j++) result[j] = 1f / MathF.Pow((float)RotaryTheta, 2f * j / d);
        return result;
    }

    private static void FillRotary(Span<float> cos, Span<float> sin, int row, int column, float[] invFreq)
    {
        var quarter = invFreq.Length;
        for (var j = 0; j < quarter; j++)
        {
            float a = row * invFreq[j], b = column * invFreq[j];
            // Layout [row angles | column angles] (d = head_dim/2 values), duplicated: cat(emb, emb).
            cos[j] = cos[j + 2 * quarter] = MathF.Cos(a);
            sin[j] = sin[j + 2 * quarter] = MathF.Sin(a);
            cos[j + quarter] = cos[j + 3 * quarter] = MathF.Cos(b);
            sin[j + quarter] = sin[j + 3 * quarter] = MathF.Sin(b);
        }
    }

    /// <summary>torch.linspace(0, side−1, count) in float32 (the first half counted up from 0, the second down from the
    /// end, as torch does), split into floor, clipped ceil and fraction.</summary>
    private static (int[] Floor, int[] Ceil, float[] Fraction) SamplePoints(int count, int side)
    {
        var floor = new int[count];
        var ceil = new int[count];
        var fraction = new float[count];
        float end = side - 1;
        var step = count > 1 ? end / (count - 1) : 0f;
        for (var i = 0; i < count; i++)
        {
            var value = i < count / 2 ? step * i : end - step * (count - 1 - i);
            if (count == 1) value = 0;
            floor[i] = (int)value;
            ceil[i] = Math.Min(floor[i] + 1, side - 1);
            fraction[i] = value - floor[i];
        }
        return (floor, ceil, fraction);
    }
}
