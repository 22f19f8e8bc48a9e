using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>
/// The facts-doc test vector (QWEN_VL_FACTS.md §2.6, from an independent Python port of get_rope_index), and small
/// cases derived by hand from Hugging Face's get_rope_index formulas (video, text-only, decode).
/// </summary>
public sealed class RopeIndexTests
{
    [Fact]
    public void Facts_doc_vector_qwen2vl_one_224_image_through_template_tokenizer_and_expansion()
    {
        var ids = QwenVlPrompt.Encode(SharedTokenizer.Instance, QwenVlFamily.Qwen2Vl,
            [ChatMessage.User(new ImageContent(), new TextContent("Describe this image."))], addGenerationPrompt: true, [new GridThw(1, 16, 16)]);

        Assert.Equal(89, ids.Length);
        Assert.Equal(SpecialTokens.VisionStart, ids[14]);
        Assert.All(ids[15..79], id => Assert.Equal(SpecialTokens.ImagePad, id));
        Assert.Equal(SpecialTokens.VisionEnd, ids[79]);

        var r = RopeIndex.Compute(QwenVlFamily.Qwen2Vl, ids, [new GridThw(1, 16, 16)]);
        for (var s = 0; s <= 14; s++)
            for (var d = 0; d < 3; d++) Assert.Equal(s, r[d, 0, s]);
        for (var k = 0; k < 64; k++)
        {
            Assert.Equal(15, r[0, 0, 15 + k]);
            Assert.Equal(15 + k / 8, r[1, 0, 15 + k]);
            Assert.Equal(15 + k % 8, r[2, 0, 15 + k]);
        }
        for (var s = 79; s < 89; s++)
            for (var d = 0; d < 3; d++) Assert.Equal(23 + (s - 79), r[d, 0, s]);
        Assert.Equal(-56, r.RopeDeltas[0]);
        Assert.Equal(33, RopeIndex.DecodePosition(89, r.RopeDeltas[0]));
    }

    [Fact]
    public void Text_only_left_padded_batch_is_cumsum_minus_one_with_pads_at_one()
    {
        // HF text-only path: positions = cumsum(mask) - 1, masked slots 1; delta = max + 1 - S.
        int[] ids = [151643, 151643, 9, 8, 7, 1, 2, 3, 4, 5];
        int[] mask = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
        var r = RopeIndex.Compute(QwenVlFamily.Qwen3Vl, ids, 2, mask);
        for (var d = 0; d < 3; d++)
        {
            Assert.Equal([1L, 1, 0, 1, 2], Enumerable.Range(0, 5).Select(s => r[d, 0, s]));
            Assert.Equal([0L, 1, 2, 3, 4], Enumerable.Range(0, 5).Select(s => r[d, 1, s]));
        }
        Assert.Equal([2 + 1 - 5, 4 + 1 - 5], r.RopeDeltas);
    }

    // Video grid (t=2, h=4, w=4) → merged 2×2×2 = 8 tokens, after 2 text tokens (base 2).
    private static readonly int[] VideoPrompt = [100, SpecialTokens.VisionStart, .. Enumerable.Repeat(SpecialTokens.VideoPad, 8), SpecialTokens.VisionEnd, 101];

    [Fact]
    public void Qwen2vl_video_temporal_index_is_the_frame_index()
    {
        var r = RopeIndex.Compute(QwenVlFamily.Qwen2Vl, VideoPrompt, videoGrids: [new GridThw(2, 4, 4)]);
        Assert.Equal([0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5], Plane(r, 0));
        Assert.Equal([0, 1, 2, 2, 3, 3, 2, 2, 3, 3, 4, 5], Plane(r, 1));
        Assert.Equal([0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 4, 5], Plane(r, 2));
        Assert.Equal(6 - 12, r.RopeDeltas[0]);
    }

    [Fact]
    public void Qwen25vl_video_temporal_index_is_scaled_by_seconds_and_tokens_per_second()
    {
        // second_per_grid_t 1.0 × tokens_per_second 2 → frame 1 at T offset 2; next text at base + 2 + 1 = 5.
        var r = RopeIndex.Compute(QwenVlFamily.Qwen25Vl, VideoPrompt, videoGrids: [new GridThw(2, 4, 4)], secondsPerGridT: [1.0]);
        Assert.Equal([0, 1, 2, 2, 2, 2, 4, 4, 4, 4, 5, 6], Plane(r, 0));
        Assert.Equal([0, 1, 2, 2, 3, 3, 2, 2, 3, 3, 5, 6], Plane(r, 1));
        // 0.25 s per grid × 2 = 0.5 → frame 1 at floor(0.5) = 0 (truncation like torch .long())
        var slow = RopeIndex.Compute(QwenVlFamily.Qwen25Vl, VideoPrompt, videoGrids: [new GridThw(2, 4, 4)], secondsPerGridT: [0.25]);
        Assert.Equal([0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 4, 5], Plane(slow, 0));
    }

    [Fact]
    public void Qwen3vl_video_is_one_block_per_frame_with_t_1()
    {
        // Qwen3-VL prompts carry a vision block per frame (timestamp text between); grid (2,4,4) → two (1,4,4).
        int[] ids = [100, SpecialTokens.VisionStart, .. Enumerable.Repeat(SpecialTokens.VideoPad, 4), SpecialTokens.VisionEnd,
            SpecialTokens.VisionStart, .. Enumerable.Repeat(SpecialTokens.VideoPad, 4), SpecialTokens.VisionEnd];
        var r = RopeIndex.Compute(QwenVlFamily.Qwen3Vl, ids, videoGrids: [new GridThw(2, 4, 4)]);
        Assert.Equal([0, 1, 2, 2, 2, 2, 4, 5, 6, 6, 6, 6, 8], Plane(r, 0));
        Assert.Equal([0, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8], Plane(r, 1));
        Assert.Equal([0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 6, 7, 8], Plane(r, 2));
    }

    [Fact]
    public void Decode_positions_are_cache_length_plus_delta_on_all_planes()
    {
        var dest = new long[6];
        RopeIndex.DecodePositions([89, 120], [-56, -3], dest);
        Assert.Equal([33, 117, 33, 117, 33, 117], dest);
    }

    [Fact]
    public void Mismatched_grids_are_typed_errors()
    {
        int[] ids = [1, SpecialTokens.VisionStart, .. Enumerable.Repeat(SpecialTokens.ImagePad, 4), SpecialTokens.VisionEnd];
        Assert.Equal(TextErrorCode.PlaceholderCountMismatch,
            Assert.Throws<TextException>(() => RopeIndex.Compute(QwenVlFamily.Qwen2Vl, ids, [])).Code);
        Assert.Equal(TextErrorCode.PlaceholderCountMismatch,
            Assert.Throws<TextException>(() => RopeIndex.Compute(QwenVlFamily.Qwen2Vl, ids, [new GridThw(1, 4, 6)])).Code);
        Assert.Equal(TextErrorCode.PlaceholderCountMismatch,
            Assert.Throws<TextException>(() => RopeIndex.Compute(QwenVlFamily.Qwen2Vl, ids, [new GridThw(1, 4, 4), new GridThw(1, 4, 4)])).Code);
        Assert.Equal(TextErrorCode.InvalidGrid,
            Assert.Throws<TextException>(() => RopeIndex.Compute(QwenVlFamily.Qwen2Vl, ids, [new GridThw(1, 3, 4)])).Code);
        Assert.Equal(TextErrorCode.InvalidShape,
            Assert.Throws<TextException>(() => RopeIndex.Compute(QwenVlFamily.Qwen2Vl, ids, 4, [], [new GridThw(1, 4, 4)])).Code);
    }

    private static long[] Plane(RopePositions r, int plane) => Enumerable.Range(0, r.SequenceLength).Select(s => r[plane, 0, s]).ToArray();
}
