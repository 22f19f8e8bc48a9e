using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// What every vision graph needs for its one-frame run (one <c>image_grid_thw</c> row, t = 1; see
/// <see cref="Qwen3VisionGraphBuilder"/>): the rotary tables <see cref="FusedOps.Rotary"/> takes, and a patch index that
/// doubles as the check that the run really holds one frame.
/// </summary>
internal static class VisionFrame
{
    /// <summary>
    /// cos/sin [N, hd/2] (the host's <c>rotary_cos</c>/<c>rotary_sin</c> are cat(emb, emb), so the first half; row i for
    /// patch i) and the patch index [1, N] = 0..N−1, guarded by <see cref="Guard"/>.
    /// </summary>
    public static (string CosHalf, string SinHalf, string PatchIndex) RotaryTables(GraphWriter g, long headDim)
    {
        var b = g.Builder;
        var cos = g.Slice(GraphNames.RotaryCos, -1, 0, headDim / 2);
        var sin = g.Slice(GraphNames.RotarySin, -1, 0, headDim / 2);
        var patchCount = g.Op("Gather", [g.Op("Shape", [GraphNames.AttentionSegmentIds]), b.AddScalar(0L)], [OnnxAttribute.Int("axis", 0)]);
        var patchIndex = g.Unsqueeze(Guard(g, g.Op("Range", [b.AddScalar(0L), patchCount, b.AddScalar(1L)])), 0);
        return (cos, sin, patchIndex);
    }

    /// <summary>
    /// <paramref name="rowIndex"/> (0..N−1) unchanged when N = h·w of the single grid row, a broadcast error otherwise: a
    /// grid with t &gt; 1 would attend across its frames in the mask-free graphs. Max of two ranges rather than a Reshape to
    /// [h·w, E]: ORT's optimiser removed that Reshape (a 2-frame run went through), but cannot fold this.
    /// </summary>
    public static string Guard(GraphWriter g, string rowIndex)
    {
        var b = g.Builder;
        var frameRows = g.Op("ReduceProd", [g.Slice(GraphNames.ImageGridThw, 1, 1, 3), b.AddInt64s(0, 1)], [OnnxAttribute.Int("keepdims", 0)]);
        return g.Op("Max", [rowIndex, g.Op("Range", [b.AddScalar(0L), frameRows, b.AddScalar(1L)])]);
    }
}
