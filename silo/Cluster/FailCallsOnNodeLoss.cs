namespace VLOrleans.Silo.Cluster;

/// <summary>
/// An Orleans outgoing call filter on web nodes: a grain call still waiting when a model node leaves the cluster ends
/// with <see cref="SiloUnavailableException"/> (503 <c>node_unavailable</c>, retryable) instead of waiting for the
/// grain-call timeout. A web node cannot tell which node a call is waiting on, so every call in flight at that moment
/// ends — those on surviving nodes too (their enumerations are disposed, which cancels their generations; nothing of
/// an unfinished turn is stored), and the client asks again. Calls made after the loss are not affected.
/// </summary>
public sealed class FailCallsOnNodeLoss(NodeLossWatch watch) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.Grain is IManagementGrain)
        {
            await context.Invoke(); // the watch's own reads
            return;
        }
        var lost = watch.NextLoss;
        var call = context.Invoke();
        if (await Task.WhenAny(call, lost) == call)
        {
            await call;
            return;
        }
        _ = call.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // observed: its answer, if any, is not awaited
        throw new SiloUnavailableException("A model node left the cluster while this call was in flight; ask again.");
    }
}
