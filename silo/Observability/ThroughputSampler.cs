using VLOrleans.Grains.Inference;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// Tokens per second the node generates now, summed over all streams: the worker's token counter sampled once a
/// second, averaged over the last 10 s (a Prometheus <c>rate()</c> needs two scrapes; this gauge is right at the
/// first one, and the status endpoint shows it too).
/// </summary>
public sealed class ThroughputSampler(InferenceGrain inference) : BackgroundService
{
    private const int WindowSeconds = 10;

    private readonly Lock _gate = new();
    private readonly Queue<(DateTime At, long Tokens)> _samples = new();

    /// <summary>Generated tokens per second over the last 10 s (0 until two samples exist).</summary>
    public double TokensPerSecond
    {
        get
        {
            lock (_gate)
            {
                if (_samples.Count < 2) return 0;
                var (firstAt, firstTokens) = _samples.Peek();
                var (lastAt, lastTokens) = _samples.Last();
                var seconds = (lastAt - firstAt).TotalSeconds;
                return seconds > 0 ? (lastTokens - firstTokens) / seconds : 0;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!inference.IsReady) continue;
                var tokens = inference.Engine.Worker.Statistics.TokensGenerated;
                lock (_gate)
                {
                    _samples.Enqueue((DateTime.UtcNow, tokens));
                    while (_samples.Count > WindowSeconds + 1) _samples.Dequeue();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
