using VLOrleans.Engine.Generation.Vision;

namespace VLOrleans.Engine.Tests.Generation;

public sealed class VisionEmbeddingCacheTests
{
    // 4 tokens × 8 hidden = 32 floats = 128 bytes; with 2 DeepStack blocks 384 bytes.
    private static VisionEmbeddings Embeddings(float fill, int deepstack = 0) =>
        new(4, 8, Enumerable.Repeat(fill, 32).ToArray(), Enumerable.Range(0, deepstack).Select(_ => new float[32]).ToArray());

    private static VisionCacheKey Key(string hash) => new(hash, "qwen3-vl:64x64", "tiny");

    [Fact]
    public async Task Second_request_for_the_same_image_is_a_hit_and_does_not_encode()
    {
        var cache = new VisionEmbeddingCache(10_000);
        var encodes = 0;
        Task<VisionEmbeddings> Encode() { encodes++; return Task.FromResult(Embeddings(1)); }
        var first = await cache.GetOrEncodeAsync(Key("a"), Encode);
        var second = await cache.GetOrEncodeAsync(Key("a"), Encode);
        Assert.False(first.WasCached);
        Assert.True(second.WasCached);
        Assert.Same(first.Embeddings, second.Embeddings);
        Assert.Equal(1, encodes);
        Assert.Equal((1L, 1L, 1, 128L), (cache.Statistics.Hits, cache.Statistics.Misses, cache.Statistics.Count, cache.Statistics.Bytes));
    }

    [Fact]
    public async Task Different_preprocessing_or_model_is_a_different_entry()
    {
        var cache = new VisionEmbeddingCache(10_000);
        await cache.GetOrEncodeAsync(Key("a"), () => Task.FromResult(Embeddings(1)));
        var other = await cache.GetOrEncodeAsync(Key("a") with { ModelId = "other" }, () => Task.FromResult(Embeddings(2)));
        Assert.False(other.WasCached);
        Assert.Equal(2, cache.Statistics.Count);
    }

    [Fact]
    public async Task Least_recently_used_entries_leave_first_when_over_budget()
    {
        // Budget 384 bytes = three 128-byte entries.
        var cache = new VisionEmbeddingCache(384);
        foreach (var k in new[] { "a", "b", "c" }) await cache.GetOrEncodeAsync(Key(k), () => Task.FromResult(Embeddings(0)));
        Assert.True(cache.TryGet(Key("a"), out _)); // a is now the most recent; b is the oldest
        await cache.GetOrEncodeAsync(Key("d"), () => Task.FromResult(Embeddings(0)));
        Assert.False(cache.TryGet(Key("b"), out _));
        Assert.True(cache.TryGet(Key("a"), out _));
        Assert.True(cache.TryGet(Key("c"), out _));
        Assert.True(cache.TryGet(Key("d"), out _));
        Assert.Equal(1, cache.Statistics.Evictions);
        Assert.Equal(384, cache.Statistics.Bytes);
    }

    [Fact]
    public async Task Concurrent_requests_share_one_encoding()
    {
        var cache = new VisionEmbeddingCache(10_000);
        var gate = new TaskCompletionSource<VisionEmbeddings>(TaskCreationOptions.RunContinuationsAsynchronously);
        var encodes = 0;
        Task<VisionEmbeddings> Encode() { Interlocked.Increment(ref encodes); return gate.Task; }
        var waiting = Enumerable.Range(0, 5).Select(_ => cache.GetOrEncodeAsync(Key("x"), Encode)).ToArray();
        gate.SetResult(Embeddings(3));
        var results = await Task.WhenAll(waiting);
        Assert.Equal(1, encodes);
        Assert.Single(results, r => !r.WasCached);
        Assert.All(results, r => Assert.Same(results[0].Embeddings, r.Embeddings));
    }

    [Fact]
    public async Task A_failed_encoding_is_not_cached_and_the_next_caller_retries()
    {
        var cache = new VisionEmbeddingCache(10_000);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrEncodeAsync(Key("f"), () => Task.FromException<VisionEmbeddings>(new InvalidOperationException("boom"))));
        var retry = await cache.GetOrEncodeAsync(Key("f"), () => Task.FromResult(Embeddings(1)));
        Assert.False(retry.WasCached);
        Assert.Equal(1, cache.Statistics.Count);
    }

    [Fact]
    public async Task An_entry_larger_than_the_budget_is_returned_but_not_kept()
    {
        var cache = new VisionEmbeddingCache(100);
        var result = await cache.GetOrEncodeAsync(Key("big"), () => Task.FromResult(Embeddings(1)));
        Assert.Equal(32, result.Embeddings.Features.Length);
        Assert.Equal(0, cache.Statistics.Count);
    }
}
