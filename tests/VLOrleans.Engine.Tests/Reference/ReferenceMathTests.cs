using static VLOrleans.Engine.Tests.Reference.ReferenceMath;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>The reference's scalar pieces on values worked out by hand (or published constants: erf, Φ).</summary>
public sealed class ReferenceMathTests
{
    [Fact]
    public void Rms_norm_of_3_4()
    {
        // mean(x²) = (9 + 16)/2 = 12.5 → x/√12.5 · w
        var y = RmsNorm([3.0, 4.0], [1f, 2f], eps: 0);
        Assert.Equal(3 / Math.Sqrt(12.5), y[0], 1e-15);
        Assert.Equal(8 / Math.Sqrt(12.5), y[1], 1e-15);
    }

    [Fact]
    public void Layer_norm_of_1_to_4()
    {
        // mean 2.5, biased variance 1.25; last entry scaled by 2 and shifted by 0.5
        var y = LayerNorm([1.0, 2.0, 3.0, 4.0], [1f, 1f, 1f, 2f], [0f, 0f, 0f, 0.5f], eps: 0);
        var s = Math.Sqrt(1.25);
        Assert.Equal(-1.5 / s, y[0], 1e-15);
        Assert.Equal(-0.5 / s, y[1], 1e-15);
        Assert.Equal(0.5 / s, y[2], 1e-15);
        Assert.Equal(2 * 1.5 / s + 0.5, y[3], 1e-15);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-1.0, -0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.9, 0.9999589021219005)]
    [InlineData(3.1, 0.9999883513426328)]
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(5.0, 0.9999999999984626)]
    public void Erf_matches_published_values(double x, double expected) => Assert.Equal(expected, Erf(x), 1e-14);

    [Fact]
    public void Gelu_exact_and_tanh_approximation()
    {
        // exact: x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208
        Assert.Equal(0.8413447460685429, GeluErf(1), 1e-14);
        Assert.Equal(-(1 - 0.8413447460685429), GeluErf(-1), 1e-14);
        Assert.Equal(2 * 0.9772498680518208, GeluErf(2), 1e-14);
        // tanh form at 1: 0.5·(1 + tanh(0.7978845608·1.044715)) = 0.8411919906…; at −2: −0.0454023059…
        Assert.Equal(0.8411919906082768, GeluTanh(1), 1e-14);
        Assert.Equal(-0.04540230591222494, GeluTanh(-2), 1e-14);
        Assert.Equal(1 / (1 + Math.Exp(-1)), Silu(1), 1e-15);
    }

    [Fact]
    public void Softmax_of_logs_is_proportional()
    {
        double[] x = [0, Math.Log(2), Math.Log(3)];
        Softmax(x);
        Assert.Equal([1 / 6.0, 2 / 6.0, 3 / 6.0], x, (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void Rotate_half_pairs_i_with_i_plus_half()
    {
        // pairs (x0, x2) rotated by π/2: (1, 3) → (1·0 − 3·1, 3·0 + 1·1) = (−3, 1); (x1, x3) by 0: unchanged
        double[] x = [1, 2, 3, 4];
        ApplyRotary(x, [Math.PI / 2, 0]);
        Assert.Equal([-3.0, 2, 1, 4], x, (a, b) => Math.Abs(a - b) < 1e-15);
    }
}
