using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// Qwen3-VL position ids for one unpadded sequence with images (QWEN_VL_FACTS.md §2.6, images only): text runs
/// count up on all three planes; an image's t·(h/2)·(w/2) tokens get (base + frame, base + row, base + col) with
/// base = next position after the preceding text; the next text starts at max(previous) + 1.
/// rope_delta = max + 1 − S, so decode step positions are cache_length + rope_delta.
/// </summary>
public static class ReferenceRopeIndex
{
    public static (long[][] Positions, long RopeDelta) Compute(long[] ids, (int T, int H, int W)[] imageGrids, QwenVlConfig config)
    {
        var merge = config.Vision.SpatialMergeSize;
        var positions = new long[3][] { new long[ids.Length], new long[ids.Length], new long[ids.Length] };
        long next = 0;
        var image = 0;
        var s = 0;
        while (s < ids.Length)
        {
            if (ids[s] != config.ImageTokenId)
            {
                for (var d = 0; d < 3; d++) positions[d][s] = next;
                next++;
                s++;
                continue;
            }
            var (t, h, w) = imageGrids[image++];
            int gh = h / merge, gw = w / merge;
            long max = next;
            for (var a = 0; a < t; a++)
                for (var r = 0; r < gh; r++)
                    for (var c = 0; c < gw; c++)
                    {
                        if (s >= ids.Length || ids[s] != config.ImageTokenId) throw new ArgumentException($"image {image - 1} needs {t * gh * gw} image tokens");
                        positions[0][s] = next + a;
                        positions[1][s] = next + r;
                        positions[2][s] = next + c;
                        max = Math.Max(max, Math.Max(next + a, Math.Max(next + r, next + c)));
                        s++;
                    }
            next = max + 1;
        }
        if (image != imageGrids.Length) throw new ArgumentException($"{imageGrids.Length} grids for {image} images");
        return (positions, next - ids.Length);
    }
}
