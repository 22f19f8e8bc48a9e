using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using VLOrleans.Engine.Generation.Telemetry;
using VLOrleans.Grains.Inference;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// The last 10 minutes of the node's speed, for the web UI's status chart (<c>GET /api/v1/status/history</c>): every
/// 2 s one point with the generated tokens per second (<see cref="ThroughputSampler"/>, all streams) and the mean
/// time to first token of the answers that finished in those 2 s (null when none did). 300 points × 3 numbers is a
/// few KB, so the ring is kept always, whether or not a browser looks. TTFTs are the engine's running totals
/// (<see cref="EngineMetrics.Totals"/>, every answer whatever its endpoint), read as differences between points.
/// </summary>
public sealed class PerformanceHistory(ThroughputSampler throughput, InferenceGrain inference) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private const int PointCount = 300; // 10 min at 2 s

    private readonly Lock _gate = new();
    private readonly Queue<PerformancePoint> _points = new();
    private CompletionTotals _seen;

    /// <summary>The points, oldest first.</summary>
    public PerformanceHistoryView Snapshot()
    {
        lock (_gate) return new PerformanceHistoryView(Interval.TotalSeconds, _points.ToArray());
    }

    /// <summary>Takes one point now (the timer calls it every <see cref="Interval"/>).</summary>
    public void Sample()
    {
        var totals = inference.IsReady ? inference.Engine.Metrics.Totals : default;
        lock (_gate)
        {
            var answers = totals.TimedAnswerCount - _seen.TimedAnswerCount;
            var totalMs = (totals.TimeToFirstTokenSecondsSum - _seen.TimeToFirstTokenSecondsSum) * 1000;
            _seen = totals;
            _points.Enqueue(new PerformancePoint(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Math.Round(throughput.TokensPerSecond, 2),
                answers > 0 ? Math.Round(totalMs / answers, 1) : null));
            while (_points.Count > PointCount) _points.Dequeue();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) Sample();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static Ok<PerformanceHistoryView> Get(PerformanceHistory history) => TypedResults.Ok(history.Snapshot());
}

public sealed record PerformanceHistoryView(
    [property: JsonPropertyName("interval_seconds")] double IntervalSeconds,
    [property: JsonPropertyName("points")] IReadOnlyList<PerformancePoint> Points);

/// <summary>One sample: unix time in ms, tokens/s over all streams, mean TTFT in ms of answers finished since the previous point.</summary>
public sealed record PerformancePoint(
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: JsonPropertyName("ttft_ms")] double? TimeToFirstTokenMs);
