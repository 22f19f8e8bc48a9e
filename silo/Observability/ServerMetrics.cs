using System.Collections.Concurrent;
using VLOrleans.Engine.Generation;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// What the server counts itself (the engine counts the rest, read at scrape time by <see cref="MetricsExposition"/>):
/// HTTP requests by route, method and status, and per-generation timings from the engine's
/// <see cref="GenerationCompleted"/>. Thread-safe; one per process.
/// </summary>
public sealed class ServerMetrics
{
    // Seconds. TTFT spans a cached follow-up on a tiny model (~ms) to a new image on a 2B model on 2 cores (~15 s).
    private static readonly double[] LatencyBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

    // Tokens per second of one stream: the CPU target is ~9-14 for a 2B model, the tiny model reaches thousands.
    private static readonly double[] RateBounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

    private readonly ConcurrentDictionary<(string Route, string Method, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _requestDurations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _completions = new(StringComparer.Ordinal);
    private long _promptTokens;
    private long _cachedPromptTokens;
    private long _completionTokens;

    public Histogram TimeToFirstToken { get; } = new(LatencyBounds);

    public Histogram EndToEnd { get; } = new(LatencyBounds);

    public Histogram Queued { get; } = new(LatencyBounds);

    public Histogram DecodeRate { get; } = new(RateBounds);

    public void RecordRequest(string route, string method, int status, TimeSpan duration)
    {
        _requests.AddOrUpdate((route, method, status), 1, static (_, n) => n + 1);
        _requestDurations.GetOrAdd(route, static _ => new Histogram(LatencyBounds)).Observe(duration.TotalSeconds);
    }

    /// <summary>Records one finished generation (any API): its timings, tokens and why it ended.</summary>
    public void RecordGeneration(GenerationCompleted completed)
    {
        var reason = completed.Reason.ToString().ToLowerInvariant();
        _completions.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        Interlocked.Add(ref _promptTokens, completed.Usage.PromptTokens);
        Interlocked.Add(ref _cachedPromptTokens, completed.Usage.ReusedPromptTokens);
        Interlocked.Add(ref _completionTokens, completed.Usage.CompletionTokens);
        if (completed.Reason == FinishReason.Cancelled) return; // a cancelled answer's timings say when the client left, not how fast we were
        Queued.Observe(completed.Timings.Queued.TotalSeconds);
        if (completed.Usage.CompletionTokens > 0) TimeToFirstToken.Observe(completed.Timings.TimeToFirstToken.TotalSeconds);
        EndToEnd.Observe(completed.Timings.Total.TotalSeconds);
        var rate = completed.Timings.DecodeTokensPerSecond(completed.Usage.CompletionTokens);
        if (rate > 0) DecodeRate.Observe(rate);
    }

    /// <summary>Records an answer whose client left before its completion was read (the engine cancels it).</summary>
    public void RecordAbandoned() => _completions.AddOrUpdate("cancelled", 1, static (_, n) => n + 1);

    public IEnumerable<KeyValuePair<(string Route, string Method, int Status), long>> Requests => _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, Histogram>> RequestDurations => _requestDurations.OrderBy(p => p.Key, StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, long>> Completions => _completions.OrderBy(p => p.Key, StringComparer.Ordinal);

    public long PromptTokens => Interlocked.Read(ref _promptTokens);

    public long CachedPromptTokens => Interlocked.Read(ref _cachedPromptTokens);

    public long CompletionTokens => Interlocked.Read(ref _completionTokens);
}
