using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Pillow's first pass: resamples each source row along x, from interleaved RGB into three byte planes
/// (R, G, B; each <c>rowCount × kernel.OutputSize</c>). Planar output lets the vertical pass and the patch writer
/// run over one channel's contiguous bytes with vector loads.
/// <list type="bullet">
/// <item>Same width: the kernel is the identity (one tap of 2^22), so the pass is a de-interleave (SSSE3 shuffles,
///   16 pixels per step).</item>
/// <item>Otherwise, AVX2: for 8 outputs at once, each tap gathers 4 bytes (R,G,B + one spare) per output from the
///   interleaved row, splits the channels with shifts and masks and multiply-adds the weights — integer sums equal
///   to Pillow's. (Measured on 1920→1932: ~4× faster than the scalar loop, which stays for the tail and for CPUs
///   without AVX2.)</item>
/// </list>
/// </summary>
internal static unsafe class HorizontalPass
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
        bool identity = kernel.IsIdentity;
        var grouped = !identity && Avx2.IsSupported ? kernel.Grouped(image.Width) : default;
        // 32 rows per band: a 1920-wide band is ~180 KB of input, enough work to amortise scheduling.
        const int bandRows = 32;
        int bands = (rowCount + bandRows - 1) / bandRows;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxDegree) };
        Parallel.For(0, bands, options, band =>
        {
            int start = band * bandRows;
            int end = Math.Min(rowCount, start + bandRows);
            fixed (byte* source = image.Pixels)
            fixed (byte* planesPtr = planes)
            fixed (int* first = kernel.First)
            fixed (int* count = kernel.Count)
            fixed (int* weights = kernel.Weights)
            fixed (int* gOffsets = grouped.Offsets)
            fixed (int* gWeights = grouped.Weights)
            {
                for (int r = start; r < end; r++)
                {
                    int sourceRow = firstRow + r;
                    byte* src = source + (nint)sourceRow * image.Stride;
                    byte* dstR = planesPtr + (nint)r * outWidth, dstG = dstR + planeSize, dstB = dstG + planeSize;
                    if (identity)
                    {
                        Deinterleave(src, dstR, dstG, dstB, outWidth);
                        continue;
                    }
                    int x = 0;
                    // A gather reads 4 bytes at the last pixel's offset, one byte past the row: safe on every row
                    // but the image's last, where it would pass the end of the array.
                    if (grouped.Offsets is not null && sourceRow < image.Height - 1)
                        x = ResampleRowAvx2(src, gOffsets, gWeights, grouped.GroupTaps, grouped.GroupStart, dstR, dstG, dstB);
                    ResampleRowScalar(src, first, count, weights, kernel.Stride, dstR, dstG, dstB, x, outWidth);
                }
            }
        });
    }

    private static int ResampleRowAvx2(byte* src, int* offsets, int* weights, int[] groupTaps, int[] groupStart, byte* dstR, byte* dstG, byte* dstB)
    {
        var rounding = Vector256.Create(BicubicKernel.Rounding);
        var mask = Vector256.Create(0xFF);
        var zero = Vector256<int>.Zero;
        var max = Vector256.Create(255);
        for (int g = 0; g < groupTaps.Length; g++)
        {
            var r = rounding;
            var gr = rounding;
            var b = rounding;
            int* o = offsets + groupStart[g];
            int* w = weights + groupStart[g];
            for (int j = 0; j < groupTaps[g]; j++, o += 8, w += 8)
            {
                var px = Avx2.GatherVector256((int*)src, Avx.LoadVector256(o), 1);
                var wj = Avx.LoadVector256(w);
                r = Avx2.Add(r, Avx2.MultiplyLow(Avx2.And(px, mask), wj));
                gr = Avx2.Add(gr, Avx2.MultiplyLow(Avx2.And(Avx2.ShiftRightLogical(px, 8), mask), wj));
                b = Avx2.Add(b, Avx2.MultiplyLow(Avx2.And(Avx2.ShiftRightLogical(px, 16), mask), wj));
            }
            StoreBytes(r, zero, max, dstR + 8 * g);
            StoreBytes(gr, zero, max, dstG + 8 * g);
            StoreBytes(b, zero, max, dstB + 8 * g);
        }
        return groupTaps.Length * 8;
    }

    // (sum >> 22) clamped to 0..255, 8 ints → 8 bytes.
    private static void StoreBytes(Vector256<int> sum, Vector256<int> zero, Vector256<int> max, byte* dst)
    {
        var v = Avx2.Max(Avx2.Min(Avx2.ShiftRightArithmetic(sum, BicubicKernel.PrecisionBits), max), zero);
        var shorts = Vector256.Narrow(v, v);          // 8 values twice, as int16
        var bytes = Vector256.Narrow(shorts, shorts); // lanes 0..7 hold the 8 values
        *(ulong*)dst = bytes.AsUInt64().ToScalar();
    }

    private static void ResampleRowScalar(byte* src, int* first, int* count, int* weights, int stride, byte* dstR, byte* dstG, byte* dstB, int from, int width)
    {
        for (int x = from; x < width; x++)
        {
            int n = count[x];
            int* k = weights + (nint)x * stride;
            byte* s = src + first[x] * 3;
            int r = BicubicKernel.Rounding, g = BicubicKernel.Rounding, b = BicubicKernel.Rounding;
            for (int j = 0; j < n; j++, s += 3)
            {
                int w = k[j];
                r += s[0] * w;
                g += s[1] * w;
                b += s[2] * w;
            }
            dstR[x] = BicubicKernel.Clip8(r);
            dstG[x] = BicubicKernel.Clip8(g);
            dstB[x] = BicubicKernel.Clip8(b);
        }
    }

    // Shuffle masks: output byte i of channel ch comes from input byte 3i + ch, found in input vector (3i+ch)/16.
    private static readonly Vector128<byte>[] DeinterleaveMasks = CreateMasks();

    private static Vector128<byte>[] CreateMasks()
    {
        var masks = new Vector128<byte>[9];
        Span<byte> m = stackalloc byte[16];
        for (int ch = 0; ch < 3; ch++)
            for (int v = 0; v < 3; v++)
            {
                for (int i = 0; i < 16; i++)
                {
                    int s = 3 * i + ch;
                    m[i] = s / 16 == v ? (byte)(s % 16) : (byte)0x80; // 0x80: pshufb writes zero
                }
                masks[3 * ch + v] = Vector128.Create((ReadOnlySpan<byte>)m);
            }
        return masks;
    }

    private static void Deinterleave(byte* src, byte* dstR, byte* dstG, byte* dstB, int width)
    {
        int x = 0;
        if (Ssse3.IsSupported)
        {
            var k = DeinterleaveMasks;
            for (; x + 16 <= width; x += 16, src += 48)
            {
                var a = Sse2.LoadVector128(src);
                var b = Sse2.LoadVector128(src + 16);
                var c = Sse2.LoadVector128(src + 32);
                Sse2.Store(dstR + x, Sse2.Or(Sse2.Or(Ssse3.Shuffle(a, k[0]), Ssse3.Shuffle(b, k[1])), Ssse3.Shuffle(c, k[2])));
                Sse2.Store(dstG + x, Sse2.Or(Sse2.Or(Ssse3.Shuffle(a, k[3]), Ssse3.Shuffle(b, k[4])), Ssse3.Shuffle(c, k[5])));
                Sse2.Store(dstB + x, Sse2.Or(Sse2.Or(Ssse3.Shuffle(a, k[6]), Ssse3.Shuffle(b, k[7])), Ssse3.Shuffle(c, k[8])));
            }
        }
        for (; x < width; x++, src += 3)
        {
            dstR[x] = src[0];
            dstG[x] = src[1];
            dstB[x] = src[2];
        }
    }
}
