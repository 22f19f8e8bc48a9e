namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>
/// Plain reference computations in double precision, written straight from the math (no ORT involved):
/// the independent side of every numeric comparison in the Onnx and OnnxGraph tests.
/// </summary>
internal static class PlainMath
{
    /// <summary>Y[m, n] = Σ_k A[m, k] · B[k, n], row-major, accumulated in double.</summary>
    public static double[] MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n)
    {
        var y = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var t = 0; t < k; t++) sum += (double)a[i * k + t] * b[t * n + j];
                y[i * n + j] = sum;
            }
        }
        return y;
    }

    /// <summary>Softmax over each row of length <paramref name="width"/>, max-subtracted.</summary>
    public static double[] SoftmaxRows(ReadOnlySpan<double> x, int width)
    {
        var y = new double[x.Length];
        for (var row = 0; row < x.Length / width; row++)
        {
            var slice = x.Slice(row * width, width);
            var max = double.NegativeInfinity;
            foreach (var v in slice) max = Math.Max(max, v);
            double total = 0;
            for (var i = 0; i < width; i++) total += y[row * width + i] = Math.Exp(slice[i] - max);
            for (var i = 0; i < width; i++) y[row * width + i] /= total;
        }
        return y;
    }

    /// <summary>Deterministic uniform floats in [lo, hi).</summary>
    public static float[] Uniform(Random random, int count, float lo, float hi)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = lo + (float)random.NextDouble() * (hi - lo);
        return values;
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance everywhere, naming the first offending index.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        var worstIndex = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(expected[i] - actual[i]);
            if (!(error <= worst)) { worst = error; worstIndex = i; } // NaN counts as worst
        }
        Assert.True(worst <= tolerance,
            $"max |error| {worst:G4} at [{worstIndex}] (expected {expected[Math.Max(worstIndex, 0)]:G9}, got {actual[Math.Max(worstIndex, 0)]:G9}) exceeds {tolerance:G4}");
    }
}
