namespace VLOrleans.Contracts;

/// <summary>
/// Stateless one-shot questions: <c>POST /api/v1/chat</c> (an image and a question in, the answer out) and
/// <c>POST /v1/chat/completions</c> (a whole conversation in, the answer streamed out). No session.
/// A stateless worker, so each call runs on the silo it is sent to (from a web node: any silo with the grain), with
/// that silo's engine.
/// </summary>
[Alias("vlo.IOneShotGrain")]
public interface IOneShotGrain : IGrainWithIntegerKey
{
    /// <summary>Answers <paramref name="request"/>. Throws <see cref="RequestProblemException"/> for a rejected image, a
    /// full queue or a prompt that does not fit.</summary>
    [Alias("Ask")]
    Task<OneShotResult> AskAsync(OneShotRequest request, CancellationToken cancellationToken = default);

    /// <summary>Completes <paramref name="request"/>'s conversation, streaming <see cref="CompletionItem"/>s (see there for
    /// the order). Refusals (<see cref="RequestProblemException"/>) come before <see cref="CompletionAccepted"/>.
    /// Stopping the enumeration or cancelling <paramref name="cancellationToken"/> cancels the generation and frees its
    /// KV slot.</summary>
    [Alias("Complete")]
    IAsyncEnumerable<CompletionItem> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A one-shot question: the encoded image (optional, size-checked by the caller) and the question.</summary>
[GenerateSerializer, Immutable, Alias("vlo.OneShotRequest")]
public sealed record OneShotRequest([property: Id(0)] string Question, [property: Id(1)] byte[]? Image, [property: Id(2)] int MaxTokens);

/// <summary>The answer's text and why it ended (<c>stop</c>, <c>length</c>).</summary>
[GenerateSerializer, Immutable, Alias("vlo.OneShotResult")]
public sealed record OneShotResult([property: Id(0)] string Text, [property: Id(1)] string FinishReason);
