using System.Text.Json.Serialization;

namespace VLOrleans.Silo.Cluster;

/// <summary>The cluster as one node sees it (the status report's <c>cluster</c>): this node's role, and every model
/// node (silo) Orleans' membership lists as active, each with what it serves and how full it is.</summary>
public sealed record ClusterStatus(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("clustering")] string Clustering,
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("nodes")] IReadOnlyList<ClusterNodeStatus> Nodes);

/// <summary>One model node. <c>error</c> is set (and the rest empty) when the node is listed but did not answer.</summary>
public sealed record ClusterNodeStatus(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("slots_active")] int SlotsActive,
    [property: JsonPropertyName("slots_total")] int SlotsTotal,
    [property: JsonPropertyName("waiting")] int Waiting,
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: JsonPropertyName("sessions_active")] int SessionsActive,
    [property: JsonPropertyName("error")] string? Error = null);
