namespace VLOrleans.Engine.Generation;

/// <summary>Limits of the continuous-batching scheduler.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Requests allowed to wait for a slot; beyond this a request is refused at once (HTTP 429).</summary>
    public int MaxWaiting { get; init; } = 64;

    /// <summary>
    /// Prompt tokens prefilled per loop step. Bounds how long one new prompt stalls everyone else's stream:
    /// on 2 cores a 256-token chunk of the 2B model costs roughly 0.7 TFLOP ≈ 1 s at int8 GEMM speed.
    /// </summary>
    public int PrefillChunkTokens { get; init; } = 256;

    /// <summary>Longest prompt + answer a slot holds (the KV buffers' length).</summary>
    public int MaxSequenceLength { get; init; } = 4096;
}
