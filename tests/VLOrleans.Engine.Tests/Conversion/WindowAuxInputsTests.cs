using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// <see cref="VisionAuxInputs"/> for the Qwen2 families against the reference's transcription of transformers'
/// get_window_index (pad with −100, cut windows, drop padding) and rot_pos_emb.
/// </summary>
public sealed class WindowAuxInputsTests
{
    private static QwenVisionConfig Vision(QwenVlFamily family) => QwenVlConfig.Load(Qwen2FamilyTinyFiles.Folder(family)).Vision;

    [Theory]
    [InlineData("1x12x20")]      // 6×10 units: windows 4×4, 4×4, 4×2 / 2×4, 2×4, 2×2
    [InlineData("1x16x8")]       // 8×4 units: exactly 2 windows (transformers adds empty padded windows, dropped)
    [InlineData("1x2x2")]        // one unit
    [InlineData("2x10x4+1x18x6")] // two frames, then a second image: windows numbered across frames and images
    public void WindowOrderMatchesGetWindowIndex(string gridText)
    {
        var vision = Vision(QwenVlFamily.Qwen25Vl);
        Assert.Equal(4, VisionAuxInputs.WindowUnits(vision)); // 112 px / 2 / 14
        var grids = gridText.Split('+').Select(g => g.Split('x').Select(int.Parse).ToArray()).Select(g => (T: g[0], H: g[1], W: g[2])).ToArray();
        var thw = grids.SelectMany(g => new long[] { g.T, g.H, g.W }).ToArray();
        var aux = VisionAuxInputs.Compute(vision, thw);
        using var weights = new ReferenceWeights(Qwen2FamilyTinyFiles.Folder(QwenVlFamily.Qwen25Vl));
        var (windowIndex, lengths) = new ReferenceVisionQwen2(weights).WindowIndex(grids);

        Assert.Equal(aux.PatchCount / 4, windowIndex.Length);
        Assert.Empty(aux.PosEmbedIndices);
        for (var k = 0; k < windowIndex.Length; k++)
        {
            Assert.Equal(k, aux.WindowMergedReverseIndex[windowIndex[k]]);
            for (var u = 0; u < 4; u++) Assert.Equal(windowIndex[k] * 4L + u, aux.WindowPatchIndex[k * 4 + u]);
        }
        // Window segments: consecutive runs with the reference's lengths (in patches = 4 × units).
        var runs = aux.WindowSegmentIds.Select((id, i) => (id, i)).GroupBy(x => x.id).Select(g => g.Count()).ToArray();
        Assert.Equal(lengths.Select(l => l * 4), runs);
        Assert.Equal(Enumerable.Range(0, lengths.Count).Select(i => (long)i), aux.WindowSegmentIds.Distinct());

        // Rotary rows and frame segments follow the window order: row i carries patch WindowPatchIndex[i]'s (row, col).
        var plain = PatchPositions(grids);
        for (var i = 0; i < aux.PatchCount; i++)
        {
            var (frame, row, col) = plain[aux.WindowPatchIndex[i]];
            Assert.Equal(frame, aux.SegmentIds[i]);
            var angles = ReferenceVisionPositions.RotaryAngles(row, col, aux.HeadDim);
            for (var d = 0; d < aux.HeadDim; d++) Assert.Equal(Math.Cos(angles[d % angles.Length]), aux.RotaryCos[i * aux.HeadDim + d], tolerance: 1e-5);
        }
    }

    [Fact]
    public void Qwen2VlHasNoPositionTableAndNoWindows()
    {
        var aux = VisionAuxInputs.Compute(Vision(QwenVlFamily.Qwen2Vl), [1, 6, 10]);
        Assert.Equal(60, aux.PatchCount);
        Assert.Empty(aux.PosEmbedIndices);
        Assert.Empty(aux.WindowPatchIndex);
        Assert.Empty(aux.WindowMergedReverseIndex);
        var order = ReferenceVisionPositions.MergeOrder(6, 10, 2);
        for (var n = 0; n < 60; n++)
        {
            var angles = ReferenceVisionPositions.RotaryAngles(order[n].Row, order[n].Col, aux.HeadDim);
            for (var d = 0; d < aux.HeadDim; d++) Assert.Equal(Math.Sin(angles[d % angles.Length]), aux.RotarySin[n * aux.HeadDim + d], tolerance: 1e-5);
        }
    }

    /// <summary>(running frame, row, col) of every patch in the processor's order.</summary>
    private static (long Frame, int Row, int Col)[] PatchPositions((int T, int H, int W)[] grids)
    {
        var result = new List<(long, int, int)>();
        long frame = 0;
        foreach (var (t, h, w) in grids)
            for (var f = 0; f < t; f++, frame++)
                foreach (var (row, col) in ReferenceVisionPositions.MergeOrder(h, w, 2)) result.Add((frame, row, col));
        return result.ToArray();
    }
}
