namespace VLOrleans.Cli.Bench;

/// <summary>
/// What one configuration achieved over its measured turns (warm-up excluded). Rates are per second of the
/// measurement's wall time; latencies are client-side (they include HTTP, JSON and SSE). NaN where nothing was
/// measured (e.g. no follow-up completed), written as null in the JSON.
/// </summary>
public sealed record ConfigurationResult(
    string Key,
    string Label,
    string Variant,
    int Slots,
    int Concurrency,
    bool Caches,
    int RequestsCompleted,
    int Errors,
    int CancelledAtDrain,
    int FollowUpsCompleted,
    double DurationSeconds,
    double RequestsPerSecond,
    int OutputTokens,
    double OutputTokensPerSecond,
    double TtftP50,
    double TtftP95,
    double TtftP99,
    double EndToEndP50,
    double EndToEndP95,
    double TimePerOutputTokenP50,
    double TtftNewImageP50,
    double TtftFollowUpP50,
    double VisionCacheHitRate,
    double PromptTokensReusedShare,
    double PeakRssMegabytes,
    double ServerLoadSeconds,
    IReadOnlyList<string> FirstErrors)
{
    public static ConfigurationResult From(ServerConfiguration config, SessionLoadDriver.Run run, long peakRssBytes, double loadSeconds)
    {
        var ok = run.Turns.Where(t => t.Succeeded).ToArray();
        var followUps = ok.Where(t => t.IsFollowUp).ToArray();
        var hits = ok.Sum(t => t.VisionCacheHits);
        var encodes = ok.Sum(t => t.VisionEncodes);
        var prompt = ok.Sum(t => (long)t.PromptTokens);
        var tokens = ok.Sum(t => t.OutputTokens);
        var duration = Math.Max(run.ElapsedSeconds, 1e-9);
        return new ConfigurationResult(
            config.Key, config.Label, config.Variant, config.SlotCount, config.ClientConcurrency, config.Caches,
            ok.Length, run.Turns.Count - ok.Length, run.CancelledAtDrain, followUps.Length, run.ElapsedSeconds,
            ok.Length / duration, tokens, tokens / duration,
            Percentile(ok.Select(t => t.TimeToFirstToken), 50), Percentile(ok.Select(t => t.TimeToFirstToken), 95), Percentile(ok.Select(t => t.TimeToFirstToken), 99),
            Percentile(ok.Select(t => t.EndToEnd), 50), Percentile(ok.Select(t => t.EndToEnd), 95),
            Percentile(ok.Select(t => t.TimePerOutputToken), 50),
            Percentile(ok.Where(t => !t.IsFollowUp).Select(t => t.TimeToFirstToken), 50),
            Percentile(followUps.Select(t => t.TimeToFirstToken), 50),
            hits + encodes == 0 ? double.NaN : (double)hits / (hits + encodes),
            prompt == 0 ? double.NaN : ok.Sum(t => (double)t.CachedPromptTokens) / prompt,
            peakRssBytes / 1e6, loadSeconds,
            [.. run.Turns.Where(t => !t.Succeeded).Select(t => t.Error!).Distinct().Take(5)]);
    }

    /// <summary>Nearest-rank percentile (the value at rank ⌈p/100·n⌉), NaN values ignored; NaN for no values.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
