namespace VLOrleans.Client;

/// <summary>How patient the client is. Retries apply only where repeating a call cannot do harm (see
/// <see cref="Http.RetryingSender"/>); a streamed answer is never repeated once bytes arrived.</summary>
public sealed record VLOrleansClientOptions
{
    /// <summary>Extra attempts after the first (0 = never retry).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First back-off delay; doubled per attempt, with ±25% jitter so clients that failed together spread out.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>No single wait is longer, whatever Retry-After says (a server asking for minutes gets a typed error instead).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest image <see cref="ChatSession.UploadImageAsync(Stream, string?, CancellationToken)"/> buffers from a
    /// stream (the bytes are kept so a retry can resend them). 64 MiB is well over any server limit.</summary>
    public long MaxImageBytes { get; init; } = 64L << 20;
}
