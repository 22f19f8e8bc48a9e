using System.Diagnostics.Metrics;
using System.Globalization;
using VLOrleans.Grains.Inference;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// What the server measures itself, on the meter <see cref="MeterName"/>: HTTP requests by route pattern, method and
/// final status, their durations, and three gauges read at collection time — model readiness, sessions in memory, and
/// tokens per second over all streams. Everything about answers is the engine's (<c>EngineMetrics</c>), recorded where
/// it happens. Thread-safe; one per host (its meter comes from the host's <see cref="IMeterFactory"/>).
/// </summary>
/// <remarks>Exported names: the counter <c>vlo_http_requests</c> gains <c>_total</c>, the seconds histogram
/// <c>vlo_http_request_duration</c> gains <c>_seconds</c> (the Prometheus exporter's conventions).</remarks>
public sealed class SiloMetrics
{
    public const string MeterName = "VLOrleans.Silo";

    // Seconds: a health probe (~ms) to a streamed answer on a 2B model on 2 cores (minutes).
    private static readonly double[] DurationBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;

    public SiloMetrics(IMeterFactory meters, InferenceGrain inference, ActiveSessionCount sessions, ThroughputSampler throughput)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("vlo_http_requests", null, "HTTP requests by route pattern, method and status.");
        _requestDuration = meter.CreateHistogram("vlo_http_request_duration", "s", "HTTP request duration by route pattern (streams: to the last byte).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBounds });
        meter.CreateObservableGauge("vlo_model_ready", () => inference.IsReady ? 1 : 0, null, "1 when the model is loaded and the inference loop runs.");
        meter.CreateObservableGauge("vlo_sessions_active", sessions.Read, null, "Chat sessions active in memory.");
        meter.CreateObservableGauge("vlo_tokens_per_second", () => throughput.TokensPerSecond, null,
            "Tokens generated per second over the last 10 s, all streams together.");
    }

    public void RecordRequest(string route, string method, int status, TimeSpan duration)
    {
        var routeTag = new KeyValuePair<string, object?>("route", route);
        _requests.Add(1, routeTag, new("method", method), new("status", status.ToString(CultureInfo.InvariantCulture)));
        _requestDuration.Record(duration.TotalSeconds, routeTag);
    }
}
