using System.Text.Json;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Observability;

namespace VLOrleans.Silo.Cluster;

/// <summary>
/// Every active model node and its status, read through Orleans alone: the management grain lists the active silos
/// (membership), then each silo's <see cref="INodeStatusGrain"/> answers for itself. The same on every role; a web
/// node's readiness and status page come from here. Read at most once a second (status polls and probes share it), and
/// each node gets a short timeout, so a dying node makes the page say so rather than hang it.
/// </summary>
public sealed class ClusterView(IGrainFactory grains, IOptions<VloOptions> options)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(3);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime At, IReadOnlyList<(ClusterNodeStatus Node, StatusReport? Report)> Nodes)? _last;

    /// <summary>The model nodes with their full reports (null where a node did not answer).</summary>
    public async Task<IReadOnlyList<(ClusterNodeStatus Node, StatusReport? Report)>> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && DateTime.UtcNow - last.At < MaxAge) return last.Nodes;
            var nodes = await ReadNowAsync();
            _last = (DateTime.UtcNow, nodes);
            return nodes;
        }
        finally
        {
            _gate.Release();
        }
    }

    public ClusterStatus Summary(IReadOnlyList<(ClusterNodeStatus Node, StatusReport? Report)> nodes) => new(
        options.Value.Role,
        string.IsNullOrWhiteSpace(options.Value.Cluster.Redis) ? "localhost" : "redis",
        NodeRoles.Parse(options.Value.Role) == NodeRole.Web ? "none (web node)" : string.IsNullOrWhiteSpace(options.Value.Cluster.Postgres) ? "sqlite" : "postgres",
        nodes.Select(n => n.Node).ToList());

    private async Task<IReadOnlyList<(ClusterNodeStatus, StatusReport?)>> ReadNowAsync()
    {
        Dictionary<SiloAddress, SiloStatus> hosts;
        try
        {
            hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(NodeTimeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return []; // no silo answers: the cluster has no model node this node can reach
        }
        var reads = hosts.Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal).Select(ReadNodeAsync);
        return await Task.WhenAll(reads);
    }

    private async Task<(ClusterNodeStatus, StatusReport?)> ReadNodeAsync(SiloAddress silo)
    {
        var address = silo.Endpoint.ToString();
        try
        {
            var report = await grains.GetGrain<INodeStatusGrain>(silo.ToParsableString()).GetAsync().WaitAsync(NodeTimeout);
            var status = JsonSerializer.Deserialize<StatusReport>(report.StatusJson)!;
            return (new ClusterNodeStatus(address, report.Role, report.Ready,
                status.Model is { } m ? $"{m.Family} {m.Variant}" : null,
                status.Slots?.Active ?? 0, status.Slots?.Total ?? 0, status.Queue?.Waiting ?? 0, status.Queue?.TokensPerSecond ?? 0,
                status.SessionsActive), status);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (new ClusterNodeStatus(address, "model", false, null, 0, 0, 0, 0, 0, e.GetType().Name + ": " + e.Message), null);
        }
    }
}
