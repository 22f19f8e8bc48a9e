using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace VLOrleans.Silo.Cluster;

/// <summary>
/// An Orleans placement strategy for grains that belong to one silo: the grain's string key is the silo's address
/// (<see cref="SiloAddress.ToParsableString"/>) and the activation goes there, or nowhere if that silo is not in the
/// cluster. Used by <see cref="NodeStatusGrain"/>, so asking a node for its status is an ordinary grain call.
/// </summary>
[Serializable, GenerateSerializer, Immutable]
public sealed class NodePinnedPlacement : PlacementStrategy
{
    public static readonly NodePinnedPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePinnedPlacementAttribute() : PlacementAttribute(NodePinnedPlacement.Instance);

/// <summary>Places a node-pinned grain on the silo its key names.</summary>
public sealed class NodePinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key);
        return silo is not null
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"the node {key} is not an active member of the cluster");
    }
}
