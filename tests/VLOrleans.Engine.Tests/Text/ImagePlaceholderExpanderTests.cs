using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>Expansion counts (t·h·w/4 per image, QWEN_VL_FACTS.md §2.7) and its errors.</summary>
public sealed class ImagePlaceholderExpanderTests
{
    [Fact]
    public void Each_pad_becomes_t_h_w_over_4_copies_in_order()
    {
        int[] ids = [7, SpecialTokens.ImagePad, 8, SpecialTokens.ImagePad, SpecialTokens.VideoPad, 9];
        var result = ImagePlaceholderExpander.Expand(ids, [new GridThw(1, 4, 6), new GridThw(1, 2, 2)], [new GridThw(2, 2, 4)]);
        // 1·4·6/4 = 6, 1·2·2/4 = 1, 2·2·4/4 = 4
        int[] expected = [7, .. Enumerable.Repeat(SpecialTokens.ImagePad, 6), 8, SpecialTokens.ImagePad,
            .. Enumerable.Repeat(SpecialTokens.VideoPad, 4), 9];
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Qwen25_facts_doc_grid_gives_1426_tokens()
    {
        // 868×1288 with patch 14 → grid [1, 62, 92] → 1426 tokens (QWEN_VL_FACTS.md §2.7)
        Assert.Equal(1426, new GridThw(1, 62, 92).TokenCount());
    }

    [Fact]
    public void Wrong_number_of_grids_is_a_typed_error()
    {
        var e = Assert.Throws<TextException>(() => ImagePlaceholderExpander.Expand([SpecialTokens.ImagePad, SpecialTokens.ImagePad], [new GridThw(1, 2, 2)]));
        Assert.Equal(TextErrorCode.PlaceholderCountMismatch, e.Code);
    }

    [Fact]
    public void Bad_grid_is_a_typed_error()
    {
        var e = Assert.Throws<TextException>(() => ImagePlaceholderExpander.Expand([SpecialTokens.ImagePad], [new GridThw(1, 3, 2)]));
        Assert.Equal(TextErrorCode.InvalidGrid, e.Code);
        e = Assert.Throws<TextException>(() => ImagePlaceholderExpander.Expand([SpecialTokens.ImagePad], [new GridThw(0, 2, 2)]));
        Assert.Equal(TextErrorCode.InvalidGrid, e.Code);
    }
}
