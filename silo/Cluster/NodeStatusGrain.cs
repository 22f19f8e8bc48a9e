using System.Text.Json;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Observability;

namespace VLOrleans.Silo.Cluster;

/// <summary>This silo's status report, for whoever asks through the cluster (web nodes, other silos' status pages).</summary>
[NodePinnedPlacement]
internal sealed class NodeStatusGrain(InferenceGrain inference, ThroughputSampler throughput, IOptions<VloOptions> options, ActiveSessionCount sessions)
    : Grain, INodeStatusGrain
{
    public Task<NodeReport> GetAsync()
    {
        var report = StatusReport.Build(inference, throughput, options.Value, sessions);
        return Task.FromResult(new NodeReport(options.Value.Role, report.Ready, JsonSerializer.Serialize(report)));
    }
}
