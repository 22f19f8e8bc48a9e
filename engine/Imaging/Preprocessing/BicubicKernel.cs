namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// The 1-D resampling weights that Pillow's <c>Image.resize(size, BICUBIC)</c> uses along one axis, in Pillow's
/// 8-bit fixed point. Facts taken from Pillow's <c>libImaging/Resample.c</c> (read, not copied):
/// <list type="bullet">
/// <item>Keys' cubic with a = -0.5, support 2; when shrinking, the support widens by the scale in/out
///   (antialiasing) and the argument is divided by it.</item>
/// <item>Output sample i is centred at (i + 0.5)·scale; taps run from ⌊centre − support + 0.5⌋ to
///   ⌊centre + support + 0.5⌋ (clamped to the image), each weighted by filter((j − centre + 0.5)/filterscale),
///   and the weights are normalised to sum 1 in double.</item>
/// <item>Weights become integers with 22 fraction bits (32 − 8 − 2), rounding half away from zero; a sum starts
///   at 2^21 (rounding) and the result is (sum &gt;&gt; 22) clipped to 0..255.</item>
/// </list>
/// Zero weights at either end of a window are dropped (they add nothing to the integer sum), so an axis that
/// keeps its size becomes one tap of weight 2^22 — the identity, which is what Pillow's "skip this pass" gives.
/// </summary>
internal sealed class BicubicKernel
{
    public const int PrecisionBits = 32 - 8 - 2;
    public const int Rounding = 1 << (PrecisionBits - 1);

    private BicubicKernel(int[] first, int[] count, int[] weights, int stride)
    {
        First = first;
        Count = count;
        Weights = weights;
        Stride = stride;
    }

    /// <summary>First input index of output sample i's window.</summary>
    public int[] First { get; }

    /// <summary>Number of taps of output sample i (≥ 1).</summary>
    public int[] Count { get; }

    /// <summary>Fixed-point weights: sample i's taps at [i·Stride, i·Stride + Count[i]).</summary>
    public int[] Weights { get; }

    public int Stride { get; }

    public int OutputSize => First.Length;

    /// <summary>True when every output sample copies its input sample (same size on this axis).</summary>
    public bool IsIdentity
    {
        get
        {
            for (int i = 0; i < First.Length; i++)
                if (First[i] != i || Count[i] != 1 || Weights[i * Stride] != 1 << PrecisionBits) return false;
            return true;
        }
    }

    /// <summary>Lowest input index any output sample reads.</summary>
    public int MinInput => First.Length == 0 ? 0 : First.Min();

    /// <summary>One past the highest input index any output sample reads.</summary>
    public int MaxInputExclusive
    {
        get
        {
            int max = 0;
            for (int i = 0; i < First.Length; i++) max = Math.Max(max, First[i] + Count[i]);
            return max;
        }
    }

    public static BicubicKernel Create(int inSize, int outSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outSize);
        const double filterSupport = 2.0;
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int stride = (int)Math.Ceiling(support) * 2 + 1;

        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * stride];
        double[] scratch = new double[stride];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            double inverse = 1.0 / filterScale;
            // C casts truncate toward zero; both operands are ≥ -support so this matches (int) in C for lo ≥ 0,
            // and negative lo is clamped to 0 anyway.
            int lo = Math.Max((int)(center - support + 0.5), 0);
            int hi = Math.Min((int)(center + support + 0.5), inSize);
            int n = hi - lo;
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                double v = Cubic((j + lo - center + 0.5) * inverse);
                scratch[j] = v;
                sum += v;
            }
            if (sum != 0)
                for (int j = 0; j < n; j++) scratch[j] /= sum;

            // To fixed point, then drop zero weights at both ends.
            int start = 0, end = n;
            var fixedW = weights.AsSpan(i * stride, stride);
            for (int j = 0; j < n; j++) fixedW[j] = ToFixed(scratch[j]);
            while (start < end - 1 && fixedW[start] == 0) start++;
            while (end - 1 > start && fixedW[end - 1] == 0) end--;
            if (start > 0) fixedW[start..end].CopyTo(fixedW);
            fixedW[(end - start)..].Clear();
            first[i] = lo + start;
            count[i] = Math.Max(end - start, 1);
        }
        return new BicubicKernel(first, count, weights, stride);
    }

    // Keys' cubic convolution kernel with a = -0.5 (Pillow's "bicubic_filter").
    private static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0) x = -x;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    // Pillow: (int)(w·2^22 ± 0.5), the C cast truncating toward zero = round half away from zero.
    private static int ToFixed(double w) =>
        w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));

    /// <summary>
    /// The kernel re-laid for 8 outputs at a time (AVX2 gathers along a row of interleaved RGB): group g holds, for
    /// each tap j below its group tap count, the 8 outputs' byte offsets (3·input index, clamped to the last pixel
    /// when an output has fewer taps) and weights (0 for those padding taps). Built on first use.
    /// </summary>
    public (int[] Offsets, int[] Weights, int[] GroupTaps, int[] GroupStart) Grouped(int inSize) => _grouped ??= BuildGrouped(inSize);

    private (int[], int[], int[], int[])? _grouped;

    private (int[], int[], int[], int[]) BuildGrouped(int inSize)
    {
        int groups = OutputSize / 8;
        var groupTaps = new int[groups];
        var groupStart = new int[groups + 1];
        for (int g = 0; g < groups; g++)
        {
            int taps = 0;
            for (int i = 0; i < 8; i++) taps = Math.Max(taps, Count[8 * g + i]);
            groupTaps[g] = taps;
            groupStart[g + 1] = groupStart[g] + taps * 8;
        }
        var offsets = new int[groupStart[groups]];
        var weights = new int[groupStart[groups]];
        for (int g = 0; g < groups; g++)
            for (int j = 0; j < groupTaps[g]; j++)
                for (int i = 0; i < 8; i++)
                {
                    int o = 8 * g + i, at = groupStart[g] + j * 8 + i;
                    offsets[at] = 3 * Math.Min(First[o] + j, inSize - 1);
                    weights[at] = j < Count[o] ? Weights[o * Stride + j] : 0;
                }
        return (offsets, weights, groupTaps, groupStart);
    }

    /// <summary>(sum &gt;&gt; 22) clipped to a byte, as Pillow's clip8.</summary>
    public static byte Clip8(int sum)
    {
        int v = sum >> PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}
