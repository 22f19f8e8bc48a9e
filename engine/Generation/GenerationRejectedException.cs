namespace VLOrleans.Engine.Generation;

/// <summary>A request the worker refuses before running it, with a stable code the server maps to HTTP
/// (<c>queue_full</c> → 429 with Retry-After; <c>context_length_exceeded</c>, <c>invalid_sampling</c> → 400).</summary>
public sealed class GenerationRejectedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
