namespace VLOrleans.Silo.Cluster;

/// <summary>
/// Notices on a web node that a model node left the cluster (membership no longer lists it as active), for
/// <see cref="FailCallsOnNodeLoss"/>. Why: a call a web node sent through a gateway towards a node that then died
/// (kill -9, power loss) gets no answer at all, and would wait for the grain-call timeout (minutes, since a busy node
/// may honestly take that long); Orleans cleans up the node's grains but not such a call. Membership is read every
/// half second from the management grain (the cluster's own view), so a loss is seen as soon as Orleans declares it.
/// </summary>
public sealed partial class NodeLossWatch(IGrainFactory grains, ILogger<NodeLossWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private TaskCompletionSource _nextLoss = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next node loss is seen after this property was read.</summary>
    public Task NextLoss => Volatile.Read(ref _nextLoss).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<SiloAddress>? known = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                var active = hosts.Keys.ToHashSet();
                if (known?.Except(active).ToList() is { Count: > 0 } gone)
                {
                    LogNodeLost(logger, string.Join(", ", gone));
                    Interlocked.Exchange(ref _nextLoss, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
                known = active;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // No gateway answered this time (all model nodes down, or the one asked just died): look again.
            }
            try { await Task.Delay(Interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model node(s) {Nodes} left the cluster: calls in flight end with 503 node_unavailable (retry)")]
    private static partial void LogNodeLost(ILogger logger, string nodes);
}
