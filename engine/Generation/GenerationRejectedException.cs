namespace VLOrleans.Engine.Generation;

/// <summary>Why the worker refused a request before running it.</summary>
public enum GenerationRejection
{
    /// <summary>Too many requests already waiting (HTTP 429 with Retry-After).</summary>
    QueueFull,

    /// <summary>Prompt + max_tokens do not fit a KV slot (400).</summary>
    ContextLengthExceeded,

    /// <summary>The prompt is empty (400).</summary>
    EmptyPrompt,

    /// <summary>max_tokens below 1 (400).</summary>
    InvalidMaxTokens,

    /// <summary>The conversation has more image placeholders than images were given (400).</summary>
    ImageMismatch,

    /// <summary>max_tokens is below the fewest tokens the requested output format needs (400).</summary>
    MaxTokensTooSmall,

    /// <summary>tool_choice names no function, or one that is not among the tools (400).</summary>
    InvalidToolChoice,
}

/// <summary>A request the worker refuses before running it, with a typed <see cref="Reason"/> (and its stable wire
/// <see cref="Code"/>: <c>queue_full</c>, <c>context_length_exceeded</c>, …) the server maps to HTTP.</summary>
public sealed class GenerationRejectedException(GenerationRejection reason, string message) : Exception(message)
{
    public GenerationRejection Reason { get; } = reason;

    public string Code => Reason switch
    {
        GenerationRejection.QueueFull => "queue_full",
        GenerationRejection.ContextLengthExceeded => "context_length_exceeded",
        GenerationRejection.EmptyPrompt => "empty_prompt",
        GenerationRejection.InvalidMaxTokens => "invalid_max_tokens",
        GenerationRejection.ImageMismatch => "image_mismatch",
        GenerationRejection.MaxTokensTooSmall => "max_tokens_too_small",
        GenerationRejection.InvalidToolChoice => "invalid_tool_choice",
        _ => throw new ArgumentOutOfRangeException(nameof(Reason), Reason, null),
    };
}
