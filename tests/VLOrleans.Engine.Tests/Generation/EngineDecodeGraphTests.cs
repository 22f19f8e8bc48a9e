using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.Generation.TinyEngine;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The engine over a variant with a float16 KV cache and an int4 decode-step graph (the graphs themselves are checked
/// against the reference forward in Conversion/DecodeGraphTests): the KV budget counts 2 bytes per cached element, the
/// status names the cache type and the decode graph, and an answer about a photo starts with the same token whether or
/// not the decode graph is loaded (the first token comes from the prefill graph either way).
/// </summary>
public sealed class EngineDecodeGraphTests
{
    // Tiny model: 3 layers × 2 (K, V) × 2 kv heads × 16 head dim × 1024 tokens = 196,608 elements per slot:
    // 393,216 bytes in float16, 786,432 in float32. A budget of 800,000 bytes holds 2 float16 slots, 1 float32 slot.
    private const long KvBudget = 800_000;

    [Fact]
    public async Task Fp16CacheAndDecodeGraphAreWiredThroughTheEngine()
    {
        await using var withGraph = LoadMixed(useDecodeGraph: true);
        await using var without = LoadMixed(useDecodeGraph: false);
        Assert.Equal(2, withGraph.SlotCount);
        Assert.Equal("float16", withGraph.KvCacheType);
        Assert.Equal("int4, block 32", withGraph.DecodeGraph);
        Assert.Null(without.DecodeGraph);

        var bytes = Photo("skimage__chelsea.png");
        ChatMessage[] messages = [UserAsking("What animal is this?", 1)];
        var (tokensWith, _, doneWith) = await Collect(withGraph.Ask(messages, [await withGraph.PrepareImageAsync(bytes)], Greedy(6)));
        var (tokensWithout, _, _) = await Collect(without.Ask(messages, [await without.PrepareImageAsync(bytes)], Greedy(6)));
        Assert.Equal(6, tokensWith.Length);
        Assert.Equal(6, doneWith.Usage.CompletionTokens);
        Assert.Equal(tokensWithout[0], tokensWith[0]);
    }

    private static VisionLanguageEngine LoadMixed(bool useDecodeGraph) => VisionLanguageEngine.Load(new EngineOptions
    {
        ModelPath = Conversion.DecodeGraphTests.MixedPackage.Folder,
        Variant = "w8a8",
        KvMemoryBudgetBytes = KvBudget,
        MaxSequenceLength = 1024,
        UseDecodeGraph = useDecodeGraph,
        DecoderThreads = 1,
        VisionThreads = 1,
        PreprocessingThreads = 1,
    });
}
