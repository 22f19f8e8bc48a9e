using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// Qwen3-VL's interleaved M-RoPE for the text decoder (QWEN_VL_FACTS.md §2.4): inv_freq[j] = 1/θ^(2j/head_dim)
/// for j &lt; head_dim/2; frequency j takes its position from plane T, except H for j%3==1 and W for j%3==2 while
/// j &lt; 3·section[1] (resp. 3·section[2]). Angles feed cos/sin(cat(angles, angles)) rotate-half style.
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

    public static float InverseFrequency(int j, int headDim, double theta) =>
        (float)(1.0 / (float)Math.Pow(theta, (float)(2 * j) / headDim));

    /// <summary>The head_dim/2 rotary angles of a token at position (t, h, w).</summary>
    public static double[] Angles(QwenTextConfig c, long t, long h, long w)
    {
        var angles = new double[c.HeadDim / 2];
        for (var j = 0; j < angles.Length; j++)
        {
            var position = PlaneOf(j, c.MropeSection) switch { 0 => t, 1 => h, _ => w };
            angles[j] = (float)((float)position * InverseFrequency(j, c.HeadDim, c.RopeTheta));
        }
        return angles;
    }
}
