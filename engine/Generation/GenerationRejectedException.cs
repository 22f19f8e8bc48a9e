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
        _ => throw new ArgumentOutOfRangeException(nameof(Reason), Reason, null),
    };
}
