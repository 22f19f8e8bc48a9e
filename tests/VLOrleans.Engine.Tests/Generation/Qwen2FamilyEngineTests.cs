using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Tests.Conversion;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.Generation.TinyEngine;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The whole engine serving tiny Qwen2-VL and Qwen2.5-VL packages: bytes → decode → preprocess (patch 14, factor 28,
/// CLIP mean/std) → vision graph fed its family's inputs → Qwen2-VL chat template (default system prompt) → family
/// get_rope_index → prefill/decode. The greedy tokens must equal the plain double-precision reference forward's.
/// </summary>
public sealed class Qwen2FamilyEngineTests
{
    // chelsea 451×300 → 448×308 px → grid 22×32 patches = 11×16 merge units (11 is not a multiple of the 4-unit window);
    // bus 810×1080 → 336×448 px (max_pixels 153664 of the tiny preset) → 32×24 patches.
    [Theory]
    [InlineData("qwen2_vl", "skimage__chelsea.png")]
    [InlineData("qwen2_5_vl", "skimage__chelsea.png")]
    [InlineData("qwen2_5_vl", "yolov5__bus.jpg")]
    public async Task Greedy_answer_about_a_photo_equals_the_reference_forward(string familyName, string photo)
    {
        const int tokenCount = 5;
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        await using var engine = VisionLanguageEngine.Load(new EngineOptions
        {
            ModelPath = Qwen2FamilyPackages.Folder(family),
            Variant = "fp32",
            SlotCount = 1,
            MaxSequenceLength = 1024,
            DecoderThreads = 1,
            VisionThreads = 1,
            PreprocessingThreads = 1,
        });
        Assert.Equal(family, engine.Family);
        var bytes = Photo(photo);
        var image = await engine.PrepareImageAsync(bytes);
        ChatMessage[] messages = [UserAsking("What is in this picture?", 1)];
        var request = engine.BuildRequest(messages, [image], Greedy(tokenCount), null);
        // The Qwen2-VL template injects the default system prompt (QWEN_VL_FACTS.md §3).
        Assert.StartsWith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>", engine.Tokenizer.Decode(request.Prompt.Ids, skipSpecialTokens: false));
        var (tokens, _, _) = await Collect(engine.Ask(messages, [image], Greedy(tokenCount)));

        // Reference: the same pixel values and prompt ids, its own rope index, the plain forward, greedy by argmax.
        var weights = Qwen2FamilyPackages.Weights(family);
        var processed = engine.Processor.Process(new ImageDecoder().Decode(bytes).Image);
        (int T, int H, int W)[] grids = [(image.Grid.T, image.Grid.H, image.Grid.W)];
        var features = new ReferenceVisionQwen2(weights).Encode(processed.PixelValues, grids);
        var ids = request.Prompt.Ids.Select(i => (long)i).ToArray();
        var (positions, delta) = ReferenceRopeIndex.Compute(ids, grids, weights.Config);
        var text = new ReferenceText(weights);
        var cache = text.NewCache();
        var last = text.Prefill(cache, ids, positions, features, lastTokenOnly: true);
        var expected = new List<int> { ArgMax(Enumerable.Range(0, last.GetLength(1)).Select(v => last[0, v]).ToArray()) };
        while (expected.Count < tokenCount) expected.Add(ArgMax(text.Decode(cache, expected[^1], delta)));
        Assert.Equal(expected, tokens);
    }

    private static int ArgMax(float[] row) => Array.IndexOf(row, row.Max());
}
