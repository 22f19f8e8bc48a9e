namespace VLOrleans.Engine.Text;

/// <summary>
/// Expands the single <c>&lt;|image_pad|&gt;</c> (and <c>&lt;|video_pad|&gt;</c>) the chat template writes per image into
/// T·H·W/merge² copies, one per merged patch, in order (TJS <c>processing_qwen2_vl.js</c>, HF <c>Qwen2VLProcessor</c>).
/// Works on token ids: tokenise the short rendered prompt once, then expand (a 1280×720 image is ~1,100 pads;
/// tokenising them as text would be wasted work).
/// </summary>
public static class ImagePlaceholderExpander
{
    /// <summary>
    /// Returns <paramref name="ids"/> with the k-th image pad replaced by <c>imageGrids[k].TokenCount()</c> pads (and
    /// likewise for video pads). Throws <see cref="TextException"/> (PlaceholderCountMismatch) when the number of
    /// pads differs from the number of grids, (InvalidGrid) for a bad grid.
    /// </summary>
    public static int[] Expand(ReadOnlySpan<int> ids, IReadOnlyList<GridThw> imageGrids, IReadOnlyList<GridThw>? videoGrids = null, int mergeSize = 2)
    {
        ArgumentNullException.ThrowIfNull(imageGrids);
        videoGrids ??= [];
        var imagePads = ids.Count(SpecialTokens.ImagePad);
        var videoPads = ids.Count(SpecialTokens.VideoPad);
        if (imagePads != imageGrids.Count || videoPads != videoGrids.Count)
            throw new TextException(TextErrorCode.PlaceholderCountMismatch,
                $"The prompt has {imagePads} image and {videoPads} video placeholders but {imageGrids.Count} image and {videoGrids.Count} video grids were given.");

        long total = ids.Length - imagePads - videoPads;
        foreach (var g in imageGrids) total += g.TokenCount(mergeSize);
        foreach (var g in videoGrids) total += g.TokenCount(mergeSize);
        if (total > Array.MaxLength)
            throw new TextException(TextErrorCode.InvalidGrid, $"The expanded prompt would hold {total} tokens.");

        var result = new int[total];
        var at = 0;
        var image = 0;
        var video = 0;
        foreach (var id in ids)
        {
            var count = id switch
            {
                SpecialTokens.ImagePad => imageGrids[image++].TokenCount(mergeSize),
                SpecialTokens.VideoPad => videoGrids[video++].TokenCount(mergeSize),
                _ => 1,
            };
            result.AsSpan(at, count).Fill(id);
            at += count;
        }
        return result;
    }
}
