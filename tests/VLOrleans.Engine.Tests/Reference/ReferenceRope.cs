using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// M-RoPE for the text decoder (QWEN_VL_FACTS.md §2.4): inv_freq[j] = 1/θ^(2j/head_dim) for j &lt; head_dim/2.
/// Qwen3-VL interleaves: frequency j takes its position from plane T, except H for j%3==1 and W for j%3==2 while
/// j &lt; 3·section[1] (resp. 3·section[2]). Qwen2/2.5-VL chunk: cos/sin of cat(f, f) are split by section·2 =
/// [s0,s1,s2,s0,s1,s2] and chunk i reads plane i%3, i.e. T for j &lt; s0, H for s0 ≤ j &lt; s0+s1, W after (both halves).
/// Angles feed cos/sin(cat(angles, angles)) rotate-half style.
/// inv_freq and the products are rounded to float32 as transformers computes them.
/// </summary>
public static class ReferenceRope
{
    /// <summary>The plane (0 = T, 1 = H, 2 = W) frequency <paramref name="j"/> reads its position from.</summary>
    public static int PlaneOf(int j, int[] mropeSection)
    {
        if (j % 3 == 1 && j < 3 * mropeSection[1]) return 1;
        if (j % 3 == 2 && j < 3 * mropeSection[2]) return 2;
        return 0;
    }

    /// <summary>Qwen2/2.5-VL's chunked assignment (apply_multimodal_rotary_pos_emb).</summary>
    public static int ChunkedPlaneOf(int j, int[] mropeSection)
    {
        var bounds = 0;
        for (var plane = 0; plane < 3; plane++)
        {
            bounds += mropeSection[plane];
            if (j < bounds) return plane;
        }
        throw new ArgumentOutOfRangeException(nameof(j), $"frequency {j} beyond mrope_section sum {bounds}");
    }

    public static float InverseFrequency(int j, int headDim, double theta) =>
        (float)(1.0 / (float)Math.Pow(theta, (float)(2 * j) / headDim));

    /// <summary>The head_dim/2 rotary angles of a token at position (t, h, w).</summary>
    public static double[] Angles(QwenTextConfig c, long t, long h, long w)
    {
        var angles = new double[c.HeadDim / 2];
        for (var j = 0; j < angles.Length; j++)
        {
            var plane = c.MropeInterleaved ? PlaneOf(j, c.MropeSection) : ChunkedPlaneOf(j, c.MropeSection);
            var position = plane switch { 0 => t, 1 => h, _ => w };
            angles[j] = (float)((float)position * InverseFrequency(j, c.HeadDim, c.RopeTheta));
        }
        return angles;
    }
}
