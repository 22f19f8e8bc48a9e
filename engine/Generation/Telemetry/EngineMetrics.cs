using System.Diagnostics.Metrics;

namespace VLOrleans.Engine.Generation.Telemetry;

/// <summary>
/// The engine's instruments, on one <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>
/// (an exporter subscribes by that name; the silo's is OpenTelemetry's Prometheus exporter). Each finished generation
/// is recorded here exactly once, by the inference worker at the moment it ends — so every caller (session turns,
/// the OpenAI API, one-shot chat, benchmarks) is counted alike, and none has to remember to. The worker's, the KV
/// slots' and the vision cache's counters are read by observable instruments (<see cref="EngineGauges"/>), not
/// copied. One per engine (or per bare worker), disposed with it.
/// </summary>
/// <remarks>
/// Names are chosen so the Prometheus exporter's conventions give back today's series: it appends the unit
/// (<c>s</c> → <c>_seconds</c>) and, for counters, <c>_total</c>; so <c>vlo_time_to_first_token</c> in seconds is
/// scraped as <c>vlo_time_to_first_token_seconds</c> and the counter <c>vlo_generations</c> as
/// <c>vlo_generations_total</c>.
/// </remarks>
public sealed class EngineMetrics : IDisposable
{
    public const string MeterName = "VLOrleans.Engine";

    /// <summary>The <c>reason</c> of a generation that ended in an error (the finish reasons are the others).</summary>
    public const string ErrorReason = "error";

    // Seconds. TTFT spans a cached follow-up on a tiny model (~ms) to a new image on a 2B model on 2 cores (~15 s).
    private static readonly double[] LatencyBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

    // Tokens per second of one stream: the CPU target is ~9-14 for a 2B model, the tiny model reaches thousands.
    private static readonly double[] RateBounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

    private readonly Counter<long> _generations;
    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _cachedPromptTokens;
    private readonly Counter<long> _completionTokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _decodeRate;
    private readonly Lock _totalsGate = new();
    private CompletionTotals _totals;

    public EngineMetrics()
    {
        Meter = new Meter(MeterName);
        _generations = Meter.CreateCounter<long>("vlo_generations", null, "Finished answers by finish reason (stop, length, cancelled, error).");
        _promptTokens = Meter.CreateCounter<long>("vlo_prompt_tokens", null, "Prompt tokens of finished answers.");
        _cachedPromptTokens = Meter.CreateCounter<long>("vlo_prompt_tokens_cached", null, "Prompt tokens served from resident KV instead of prefilled.");
        _completionTokens = Meter.CreateCounter<long>("vlo_completion_tokens", null, "Generated tokens of finished answers.");
        _timeToFirstToken = Histogram("vlo_time_to_first_token", "s", "From admission to the first generated token (prefill), per completed answer.", LatencyBounds);
        _latency = Histogram("vlo_request_latency", "s", "From submission to the last token, per completed answer (engine clock).", LatencyBounds);
        _queueWait = Histogram("vlo_queue_wait", "s", "Time an answer waited for a KV slot.", LatencyBounds);
        _decodeRate = Histogram("vlo_decode_tokens_per_second", null, "Decode speed of one answer after its first token.", RateBounds);
    }

    /// <summary>The meter every engine instrument lives on (observable ones are added by <see cref="EngineGauges"/>).</summary>
    public Meter Meter { get; }

    /// <summary>Running totals of what was recorded, for readers that want numbers rather than a scrape (the status chart).</summary>
    public CompletionTotals Totals
    {
        get
        {
            lock (_totalsGate) return _totals;
        }
    }

    /// <summary>
    /// Records one finished generation: its finish reason and tokens always; its timings only when it was not
    /// cancelled, since a cancelled answer's timings say when the client left, not how fast the engine was.
    /// </summary>
    public void RecordCompletion(GenerationCompleted completed)
    {
        var usage = completed.Usage;
        _generations.Add(1, new KeyValuePair<string, object?>("reason", ReasonLabel(completed.Reason)));
        _promptTokens.Add(usage.PromptTokens);
        _cachedPromptTokens.Add(usage.ReusedPromptTokens);
        _completionTokens.Add(usage.CompletionTokens);
        var timed = completed.Reason != FinishReason.Cancelled && usage.CompletionTokens > 0;
        if (completed.Reason != FinishReason.Cancelled)
        {
            var timings = completed.Timings;
            _queueWait.Record(timings.Queued.TotalSeconds);
            if (timed) _timeToFirstToken.Record(timings.TimeToFirstToken.TotalSeconds);
            _latency.Record(timings.Total.TotalSeconds);
            var rate = timings.DecodeTokensPerSecond(usage.CompletionTokens);
            if (rate > 0) _decodeRate.Record(rate);
        }
        lock (_totalsGate)
        {
            _totals = _totals with
            {
                AnswerCount = _totals.AnswerCount + 1,
                TimedAnswerCount = _totals.TimedAnswerCount + (timed ? 1 : 0),
                TimeToFirstTokenSecondsSum = _totals.TimeToFirstTokenSecondsSum + (timed ? completed.Timings.TimeToFirstToken.TotalSeconds : 0),
            };
        }
    }

    /// <summary>Records a generation that ended in an error (a model or detokenizer fault, or the worker stopping).</summary>
    public void RecordFailure()
    {
        _generations.Add(1, new KeyValuePair<string, object?>("reason", ErrorReason));
        lock (_totalsGate) _totals = _totals with { AnswerCount = _totals.AnswerCount + 1 };
    }

    /// <summary>The <c>reason</c> label of a finish reason: <c>stop</c>, <c>length</c>, <c>cancelled</c>.</summary>
    public static string ReasonLabel(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "cancelled",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private Histogram<double> Histogram(string name, string? unit, string description, double[] bounds) =>
        Meter.CreateHistogram(name, unit, description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = bounds });

    public void Dispose() => Meter.Dispose();
}

/// <summary>
/// What <see cref="EngineMetrics"/> has recorded so far: finished generations (any reason), those with a time to
/// first token (not cancelled, at least one token), and the sum of those times.
/// </summary>
public readonly record struct CompletionTotals(long AnswerCount, long TimedAnswerCount, double TimeToFirstTokenSecondsSum);
