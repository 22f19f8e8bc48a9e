using VLOrleans.Engine.Models;
using VLOrleans.Engine.Tests.TinyModels;
using static VLOrleans.Engine.Tests.Reference.ReferenceMath;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>M-RoPE plane assignment, its reduction to 1-D RoPE for text, and get_rope_index on the facts doc's test vector.</summary>
public sealed class ReferenceRopeTests
{
    [Fact]
    public void Interleaved_planes_for_the_real_and_tiny_sections()
    {
        // [24,20,20] over 64 frequencies: H at 1,4,…,58, W at 2,5,…,59, T elsewhere incl. 60..63 (facts §2.4)
        var planes = Enumerable.Range(0, 64).Select(j => ReferenceRope.PlaneOf(j, [24, 20, 20])).ToArray();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 3 * i + 1), Enumerable.Range(0, 64).Where(j => planes[j] == 1));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 3 * i + 2), Enumerable.Range(0, 64).Where(j => planes[j] == 2));
        Assert.Equal(24, planes.Count(p => p == 0));
        Assert.Equal([0, 0, 0, 0], planes[60..]);
        // tiny [4,2,2] over 8: T H W T H W T T
        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 0], Enumerable.Range(0, 8).Select(j => ReferenceRope.PlaneOf(j, [4, 2, 2])));
    }

    [Fact]
    public void Text_positions_reduce_m_rope_to_ordinary_rope()
    {
        var text = QwenVlConfig.Load(TinyModelFiles.Qwen3VlTiny).Text;
        foreach (var p in new long[] { 0, 1, 7, 53, 1000 })
        {
            var angles = ReferenceRope.Angles(text, p, p, p);
            for (var j = 0; j < text.HeadDim / 2; j++)
            {
                // plain 1-D RoPE: θ_j = p / base^(2j/d), in double
                var expected = p / Math.Pow(text.RopeTheta, 2.0 * j / text.HeadDim);
                Assert.Equal(expected, angles[j], Math.Max(1e-6, 1e-6 * expected));
            }
        }
        // and a vision token (t,h,w) = (5,7,9) takes H at j=1,4 and W at j=2,5 (tiny section)
        var mixed = ReferenceRope.Angles(text, 5, 7, 9);
        long[] plane = [5, 7, 9, 5, 7, 9, 5, 5];
        for (var j = 0; j < 8; j++) Assert.Equal(plane[j] / Math.Pow(text.RopeTheta, 2.0 * j / 16), mixed[j], 1e-6);
    }

    [Fact]
    public void Rotary_scores_depend_only_on_relative_position()
    {
        var text = QwenVlConfig.Load(TinyModelFiles.Qwen3VlTiny).Text;
        double[] q0 = [0.3, -1.2, 0.5, 0.9, 1.1, -0.4, 0.2, 0.7, -0.6, 0.1, 0.8, -0.9, 0.4, 0.3, -0.2, 1.0];
        double[] k0 = [1.0, 0.2, -0.3, 0.4, -0.8, 0.6, 0.9, -0.1, 0.5, -0.7, 0.3, 0.2, -0.5, 0.6, 0.1, -0.4];
        double Score(long m, long n)
        {
            var q = (double[])q0.Clone();
            var k = (double[])k0.Clone();
            ApplyRotary(q, ReferenceRope.Angles(text, m, m, m));
            ApplyRotary(k, ReferenceRope.Angles(text, n, n, n));
            return q.Zip(k, (a, b) => a * b).Sum();
        }
        Assert.Equal(Score(7, 3), Score(27, 23), 1e-5);
        Assert.NotEqual(Score(7, 3), Score(7, 4), 3);
    }

    [Fact]
    public void Rope_index_on_the_facts_doc_test_vector()
    {
        // Chat prompt with one 224×224 image (grid 1×16×16 → 8×8 = 64 tokens): <|vision_start|> at 14, pads 15..78,
        // 10 text tokens after; T = 0..14, 15×64, 23..32; H/W = 15 + row/col; rope_delta = 32 + 1 − 89 = −56 (facts §2.6).
        var config = QwenVlConfig.Load(TinyModelFiles.Qwen3VlTiny);
        var ids = Enumerable.Repeat(100L, 14).Append(151652).Concat(Enumerable.Repeat(151655L, 64)).Append(151653).Concat(Enumerable.Repeat(200L, 9)).ToArray();
        Assert.Equal(89, ids.Length);
        var (pos, delta) = ReferenceRopeIndex.Compute(ids, [(1, 16, 16)], config);
        Assert.Equal(-56, delta);
        for (var s = 0; s < 15; s++) Assert.Equal((s, s, s), (pos[0][s], pos[1][s], pos[2][s]));
        for (var k = 0; k < 64; k++) Assert.Equal((15L, 15L + k / 8, 15L + k % 8), (pos[0][15 + k], pos[1][15 + k], pos[2][15 + k]));
        for (var s = 79; s < 89; s++) Assert.Equal((s - 56L, s - 56L, s - 56L), (pos[0][s], pos[1][s], pos[2][s]));
    }
}
