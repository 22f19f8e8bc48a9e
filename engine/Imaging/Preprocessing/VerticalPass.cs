using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Pillow's second pass for one output row of one channel plane: the fixed-point sum over the window's rows,
/// clipped to 0..255 exactly as Pillow does, then either looked up in a 256-entry float table (rescale+normalise,
/// see <see cref="PixelNormalizer"/>) or stored as bytes. AVX2 does 8 pixels per step: widen 8 bytes to int32
/// (vpmovzxbd), multiply-add the broadcast weight, shift, clamp, and gather the floats from the table.
/// Integer sums are exact, so the vector and scalar paths give identical results.
/// </summary>
internal static unsafe class VerticalPass
{
    /// <param name="plane">Top-left of the channel plane (rows of <paramref name="width"/> bytes).</param>
    /// <param name="width">Bytes per plane row = floats written.</param>
    /// <param name="firstRow">Window's first row within the plane.</param>
    /// <param name="taps">Rows in the window.</param>
    /// <param name="weights">The window's <paramref name="taps"/> fixed-point weights.</param>
    /// <param name="table">256 floats: the normalised value of each byte.</param>
    /// <param name="dst"><paramref name="width"/> floats.</param>
    public static void RowToFloats(byte* plane, int width, int firstRow, int taps, int* weights, float* table, float* dst)
    {
        byte* top = plane + (nint)firstRow * width;
        int x = 0;
        if (Avx2.IsSupported)
        {
            var rounding = Vector256.Create(BicubicKernel.Rounding);
            var zero = Vector256<int>.Zero;
            var max = Vector256.Create(255);
            for (; x + 16 <= width; x += 16)
            {
                var acc0 = rounding;
                var acc1 = rounding;
                byte* p = top + x;
                for (int j = 0; j < taps; j++, p += width)
                {
                    var w = Vector256.Create(weights[j]);
                    acc0 = Avx2.Add(acc0, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(p), w));
                    acc1 = Avx2.Add(acc1, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(p + 8), w));
                }
                var i0 = Avx2.Max(Avx2.Min(Avx2.ShiftRightArithmetic(acc0, BicubicKernel.PrecisionBits), max), zero);
                var i1 = Avx2.Max(Avx2.Min(Avx2.ShiftRightArithmetic(acc1, BicubicKernel.PrecisionBits), max), zero);
                Avx.Store(dst + x, Avx2.GatherVector256(table, i0, 4));
                Avx.Store(dst + x + 8, Avx2.GatherVector256(table, i1, 4));
            }
        }
        for (; x < width; x++)
            dst[x] = table[ScalarSum(top + x, width, taps, weights)];
    }

    /// <summary>As <see cref="RowToFloats"/> but stores the clipped bytes (used by the plain resizer).</summary>
    public static void RowToBytes(byte* plane, int width, int firstRow, int taps, int* weights, byte* dst)
    {
        byte* top = plane + (nint)firstRow * width;
        for (int x = 0; x < width; x++)
            dst[x] = ScalarSum(top + x, width, taps, weights);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ScalarSum(byte* p, int width, int taps, int* weights)
    {
        int sum = BicubicKernel.Rounding;
        for (int j = 0; j < taps; j++, p += width) sum += *p * weights[j];
        return BicubicKernel.Clip8(sum);
    }
}
