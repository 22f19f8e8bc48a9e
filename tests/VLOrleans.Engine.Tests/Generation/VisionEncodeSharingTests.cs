using VLOrleans.Engine.Generation.Vision;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// One in-flight encoding is shared by every request for the same image, so it must not run on any one requester's
/// cancellation token: a client that disconnects must not fail the others, and only when every waiter has gone is
/// the encoding stopped.
/// </summary>
public sealed class VisionEncodeSharingTests
{
    private static VisionCacheKey Key(string hash) => new(hash, "qwen3-vl:64x64", "tiny");

    private static VisionEmbeddings Embeddings(float fill) => new(4, 8, Enumerable.Repeat(fill, 32).ToArray(), []);

    /// <summary>An encoding that finishes when the test says so, or ends cancelled when its own token is cancelled.</summary>
    private sealed class ControlledEncode
    {
        private readonly TaskCompletionSource<VisionEmbeddings> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Runs { get; private set; }

        public CancellationToken LastToken { get; private set; }

        public Task<VisionEmbeddings> Encode(CancellationToken token)
        {
            Runs++;
            LastToken = token;
            token.Register(() => _done.TrySetCanceled(token));
            return _done.Task;
        }

        public void Finish(VisionEmbeddings embeddings) => _done.TrySetResult(embeddings);
    }

    [Fact]
    public async Task The_first_caller_disconnecting_does_not_fail_the_others_waiting_for_the_same_image()
    {
        var cache = new VisionEmbeddingCache(10_000);
        var encode = new ControlledEncode();
        using var firstClient = new CancellationTokenSource();
        var first = cache.GetOrEncodeAsync(Key("photo"), encode.Encode, firstClient.Token);
        var second = cache.GetOrEncodeAsync(Key("photo"), encode.Encode, CancellationToken.None);

        firstClient.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(encode.LastToken.IsCancellationRequested);

        var embeddings = Embeddings(7);
        encode.Finish(embeddings);
        var result = await second;
        Assert.Same(embeddings, result.Embeddings);
        Assert.Equal(1, encode.Runs);
        // The encoding was cached although the caller that started it had gone.
        Assert.True(cache.TryGet(Key("photo"), out var cached));
        Assert.Same(embeddings, cached);
    }

    [Fact]
    public async Task When_every_waiter_has_gone_the_encoding_is_cancelled_and_the_next_caller_starts_afresh()
    {
        var cache = new VisionEmbeddingCache(10_000);
        var abandoned = new ControlledEncode();
        using var a = new CancellationTokenSource();
        using var b = new CancellationTokenSource();
        var first = cache.GetOrEncodeAsync(Key("photo"), abandoned.Encode, a.Token);
        var second = cache.GetOrEncodeAsync(Key("photo"), abandoned.Encode, b.Token);

        a.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(abandoned.LastToken.IsCancellationRequested);
        b.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.True(abandoned.LastToken.IsCancellationRequested);

        var fresh = new ControlledEncode();
        var third = cache.GetOrEncodeAsync(Key("photo"), fresh.Encode, CancellationToken.None);
        fresh.Finish(Embeddings(1));
        var result = await third;
        Assert.False(result.WasCached);
        Assert.Equal((1, 1), (abandoned.Runs, fresh.Runs));
        Assert.Equal(1, cache.Statistics.Count);
    }
}
