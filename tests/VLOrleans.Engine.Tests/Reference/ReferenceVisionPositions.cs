namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// Where each patch row sits and what position signal it gets in the Qwen3-VL vision tower. Patch rows come in
/// merge order (QWEN_VL_FACTS.md §2.7): per frame, block-row, block-col, intra-row, intra-col, so the 4 patches of
/// one 2×2 merge group are consecutive.
/// </summary>
public static class ReferenceVisionPositions
{
    /// <summary>(row, col) of every patch of one frame of an h×w patch grid, in merge order.</summary>
    public static (int Row, int Col)[] MergeOrder(int h, int w, int merge)
    {
        var result = new List<(int, int)>(h * w);
        for (var br = 0; br < h / merge; br++)
            for (var bc = 0; bc < w / merge; bc++)
                for (var ir = 0; ir < merge; ir++)
                    for (var ic = 0; ic < merge; ic++)
                        result.Add((br * merge + ir, bc * merge + ic));
        return result.ToArray();
    }

    /// <summary>
    /// The learned side×side table (side = 48 for 2304 entries) bilinearly interpolated to h×w with
    /// align_corners=True semantics (<c>fast_pos_embed_interpolate</c>): sample points linspace(0, side−1, n),
    /// floor and floor+1 clipped to side−1, weights from the fractional part. Returns [h·w][E] in row-major (r, c)
    /// order; callers reorder to merge order.
    /// </summary>
    public static double[][] InterpolateTable(float[] table, int side, int width, int h, int w)
    {
        var result = new double[h * w][];
        var rows = Linspace(side - 1, h);
        var cols = Linspace(side - 1, w);
        for (var r = 0; r < h; r++)
        {
            var (r0, r1, dr) = Bracket(rows[r], side);
            for (var c = 0; c < w; c++)
            {
                var (c0, c1, dc) = Bracket(cols[c], side);
                var v = new double[width];
                Accumulate(v, table, (r0 * side + c0) * width, (1 - dr) * (1 - dc));
                Accumulate(v, table, (r0 * side + c1) * width, (1 - dr) * dc);
                Accumulate(v, table, (r1 * side + c0) * width, dr * (1 - dc));
                Accumulate(v, table, (r1 * side + c1) * width, dr * dc);
                result[r * w + c] = v;
            }
        }
        return result;
    }

    /// <summary>
    /// The position-table term of every patch row of one image: <see cref="InterpolateTable"/> to (h, w), taken in
    /// merge order, repeated for each of the t frames → [t·h·w][E].
    /// </summary>
    public static double[][] PatchPositionEmbeddings(float[] table, int side, int width, (int T, int H, int W) grid, int merge)
    {
        var interpolated = InterpolateTable(table, side, width, grid.H, grid.W);
        var order = MergeOrder(grid.H, grid.W, merge);
        var result = new double[grid.T * order.Length][];
        for (var frame = 0; frame < grid.T; frame++)
            for (var k = 0; k < order.Length; k++) result[frame * order.Length + k] = interpolated[order[k].Row * grid.W + order[k].Col];
        return result;
    }

    /// <summary>
    /// Rotary angles of one patch for a vision head of width <paramref name="headDim"/>: with d = headDim/2,
    /// inv_freq[k] = 1/10000^(2k/d) (k &lt; d/2), angles = (row·inv_freq, col·inv_freq) → d values, used as
    /// cos/sin(cat(angles, angles)). Computed in float32 like transformers (inv_freq and the products are float32).
    /// </summary>
    public static double[] RotaryAngles(int row, int col, int headDim)
    {
        var d = headDim / 2;
        var angles = new double[d];
        for (var k = 0; k < d / 2; k++)
        {
            var invFreq = (float)(1.0 / (float)Math.Pow(10000.0, (float)(2 * k) / d));
            angles[k] = (float)(row * invFreq);
            angles[d / 2 + k] = (float)(col * invFreq);
        }
        return angles;
    }

    /// <summary>torch.linspace(0, end, n) values (n = 1 gives [0]).</summary>
    private static double[] Linspace(double end, int n)
    {
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = n == 1 ? 0 : end * i / (n - 1);
        return values;
    }

    private static (int Low, int High, double Fraction) Bracket(double x, int side)
    {
        var low = (int)Math.Floor(x);
        return (low, Math.Min(low + 1, side - 1), x - low);
    }

    private static void Accumulate(double[] v, float[] table, int offset, double weight)
    {
        for (var i = 0; i < v.Length; i++) v[i] += weight * table[offset + i];
    }
}
