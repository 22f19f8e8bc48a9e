namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// Qwen2.5-VL window attention (transformers <c>get_window_index</c>, QWEN_VL_FACTS.md §2.2.4). The ViT runs on the patches
/// reordered window by window: a window is win×win merge units (win = window_size / merge / patch = 112 / 2 / 14 = 4, i.e.
/// 8×8 patches), windows tile each frame row-major from the top-left, and those on the right and bottom edges are cut
/// short when the merged grid is not a multiple of win (transformers pads with −100 and drops the padding; empty windows
/// vanish in <c>unique_consecutive</c>). Inside a window, units keep row-major order and each unit's 4 patches stay
/// consecutive. Blocks not in <c>fullatt_block_indexes</c> attend within a window, the others within a frame; the merger
/// output is put back in the original order with the inverse permutation (transformers' <c>argsort(window_index)</c>).
/// </summary>
public sealed partial record VisionAuxInputs
{
    /// <summary>int64 [N] (Qwen2.5-VL; empty otherwise): window-order row i takes patch row <c>WindowPatchIndex[i]</c> of the
    /// processor's order (a Gather on the patch embeddings).</summary>
    public long[] WindowPatchIndex { get; init; } = [];

    /// <summary>int64 [N] (Qwen2.5-VL; empty otherwise): the window each window-order row belongs to (numbered across frames
    /// and images), for the windowed blocks' attention mask.</summary>
    public long[] WindowSegmentIds { get; init; } = [];

    /// <summary>int64 [N/merge²] (Qwen2.5-VL; empty otherwise): merged token u of the processor's order is row
    /// <c>WindowMergedReverseIndex[u]</c> of the merger's window-order output.</summary>
    public long[] WindowMergedReverseIndex { get; init; } = [];

    /// <summary>Merge units per window side: window_size / spatial_merge_size / patch_size (4 for 112 / 2 / 14).</summary>
    public static int WindowUnits(QwenVisionConfig vision)
    {
        var units = vision.WindowSize / vision.SpatialMergeSize / vision.PatchSize;
        if (units < 1) throw new ArgumentException($"window_size {vision.WindowSize} is smaller than one merge unit ({vision.SpatialMergeSize * vision.PatchSize} px)");
        return units;
    }

    /// <summary>This (processor order) with rotary tables and frame segments permuted into window order, plus the window inputs.</summary>
    private VisionAuxInputs InWindowOrder(QwenVisionConfig vision, ReadOnlySpan<long> imageGridThw)
    {
        var merge = vision.SpatialMergeSize;
        var unit = merge * merge;
        var win = WindowUnits(vision);
        var mergedCount = PatchCount / unit;
        var unitOrder = new int[mergedCount];   // window-order slot → original merge unit
        var unitWindow = new long[mergedCount];  // window-order slot → window number
        int slot = 0, firstUnit = 0;
        long window = 0;
        for (var i = 0; i < imageGridThw.Length; i += 3)
        {
            int t = (int)imageGridThw[i], gh = (int)imageGridThw[i + 1] / merge, gw = (int)imageGridThw[i + 2] / merge;
            for (var f = 0; f < t; f++, firstUnit += gh * gw)
                for (var wy = 0; wy < gh; wy += win)
                    for (var wx = 0; wx < gw; wx += win, window++)
                        for (var r = wy; r < Math.Min(wy + win, gh); r++)
                            for (var c = wx; c < Math.Min(wx + win, gw); c++, slot++)
                            {
                                unitOrder[slot] = firstUnit + r * gw + c;
                                unitWindow[slot] = window;
                            }
        }

        var hd = HeadDim;
        var patchIndex = new long[PatchCount];
        var windowIds = new long[PatchCount];
        var segments = new long[PatchCount];
        var cos = new float[RotaryCos.Length];
        var sin = new float[RotarySin.Length];
        var reverse = new long[mergedCount];
        for (var s = 0; s < mergedCount; s++)
        {
            var u = unitOrder[s];
            reverse[u] = s;
            for (var k = 0; k < unit; k++)
            {
                int to = s * unit + k, from = u * unit + k;
                patchIndex[to] = from;
                windowIds[to] = unitWindow[s];
                segments[to] = SegmentIds[from];
                RotaryCos.AsSpan(from * hd, hd).CopyTo(cos.AsSpan(to * hd, hd));
                RotarySin.AsSpan(from * hd, hd).CopyTo(sin.AsSpan(to * hd, hd));
            }
        }
        return this with
        {
            RotaryCos = cos,
            RotarySin = sin,
            SegmentIds = segments,
            WindowPatchIndex = patchIndex,
            WindowSegmentIds = windowIds,
            WindowMergedReverseIndex = reverse,
        };
    }
}
