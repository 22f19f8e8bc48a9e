using VLOrleans.Engine.Generation.Sampling;

namespace VLOrleans.Engine.Generation;

/// <summary>What a running generation reports to its caller, in order: tokens, then exactly one completion.</summary>
public abstract record GenerationEvent;

/// <summary>One generated token and the text it adds (possibly empty while a UTF-8 character or a
/// possible stop string is incomplete). At the end of an answer cut by max_tokens, held-back text may arrive in one
/// last event with <see cref="TokenId"/> −1, which is not a token (count tokens with <see cref="GenerationUsage.CompletionTokens"/>).</summary>
public sealed record TokenGenerated(int TokenId, string TextDelta, float Logprob, TokenLogprob[]? TopLogprobs) : GenerationEvent;

/// <summary>The end of a generation, with why it ended and what it cost.</summary>
public sealed record GenerationCompleted(FinishReason Reason, GenerationUsage Usage, GenerationTimings Timings) : GenerationEvent;

public enum FinishReason
{
    /// <summary>A stop token or stop string.</summary>
    Stop,

    /// <summary>MaxTokens reached (or the slot's context length).</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>Token counts: prompt tokens, how many of them came from resident KV (not prefilled), generated tokens.</summary>
public readonly record struct GenerationUsage(int PromptTokens, int ReusedPromptTokens, int CompletionTokens);

/// <summary>Where the time went, measured on the worker's clock.</summary>
public readonly record struct GenerationTimings(TimeSpan Queued, TimeSpan TimeToFirstToken, TimeSpan Total)
{
    /// <summary>Output tokens per second after the first token.</summary>
    public double DecodeTokensPerSecond(int completionTokens) =>
        completionTokens > 1 && Total > TimeToFirstToken ? (completionTokens - 1) / (Total - TimeToFirstToken).TotalSeconds : 0;
}
