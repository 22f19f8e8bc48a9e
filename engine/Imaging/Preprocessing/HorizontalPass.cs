namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Pillow's first pass: resamples each source row along x, from interleaved RGB into three byte planes
/// (R, G, B; each <c>rowCount × kernel.OutputSize</c>). Planar output lets the vertical pass and the patch writer
/// run over one channel's contiguous bytes with vector loads.
/// </summary>
internal static class HorizontalPass
{
    /// <summary>
    /// Source rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>) of
    /// <paramref name="image"/> → <paramref name="planes"/> (3 planes of rowCount × outWidth bytes each).
    /// Rows are split into bands run in parallel, at most <paramref name="maxDegree"/> at once.
    /// </summary>
    public static void Run(RgbImage image, BicubicKernel kernel, int firstRow, int rowCount, byte[] planes, int maxDegree)
    {
        int outWidth = kernel.OutputSize;
        int planeSize = rowCount * outWidth;
        // ~64 rows per band: a 1920-wide band is ~370 KB of input, enough work to amortise scheduling.
        int bandRows = 64;
        int bands = (rowCount + bandRows - 1) / bandRows;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxDegree) };
        Parallel.For(0, bands, options, band =>
        {
            int start = band * bandRows;
            int end = Math.Min(rowCount, start + bandRows);
            for (int r = start; r < end; r++)
            {
                var src = image.Pixels.AsSpan((firstRow + r) * image.Stride, image.Stride);
                var dstR = planes.AsSpan(r * outWidth, outWidth);
                var dstG = planes.AsSpan(planeSize + r * outWidth, outWidth);
                var dstB = planes.AsSpan(2 * planeSize + r * outWidth, outWidth);
                ResampleRow(src, kernel, dstR, dstG, dstB);
            }
        });
    }

    private static void ResampleRow(ReadOnlySpan<byte> src, BicubicKernel kernel, Span<byte> dstR, Span<byte> dstG, Span<byte> dstB)
    {
        var first = kernel.First;
        var count = kernel.Count;
        var weights = kernel.Weights;
        int stride = kernel.Stride;
        for (int x = 0; x < dstR.Length; x++)
        {
            int n = count[x];
            var k = weights.AsSpan(x * stride, n);
            var s = src.Slice(first[x] * 3, n * 3);
            int r = BicubicKernel.Rounding, g = BicubicKernel.Rounding, b = BicubicKernel.Rounding;
            for (int j = 0, o = 0; j < k.Length; j++, o += 3)
            {
                int w = k[j];
                r += s[o] * w;
                g += s[o + 1] * w;
                b += s[o + 2] * w;
            }
            dstR[x] = BicubicKernel.Clip8(r);
            dstG[x] = BicubicKernel.Clip8(g);
            dstB[x] = BicubicKernel.Clip8(b);
        }
    }
}
