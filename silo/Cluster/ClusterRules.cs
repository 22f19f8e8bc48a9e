using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Cluster;

/// <summary>The settings a role needs, checked at start-up so a half-configured node stops with the setting's name
/// instead of forming a cluster of one or keeping sessions where no other node can read them.</summary>
public static class ClusterRules
{
    public static IEnumerable<string> Check(VloOptions options)
    {
        if (options.Role is not ("model" or "web")) yield break;
        if (string.IsNullOrWhiteSpace(options.Cluster.Redis))
            yield return $"VLO:Cluster:Redis is required for VLO:Role = '{options.Role}': the nodes find each other through Redis.";
        if (options.Role == "model" && string.IsNullOrWhiteSpace(options.Cluster.Postgres))
            yield return "VLO:Cluster:Postgres is required for VLO:Role = 'model': every model node must read the same sessions (a session moves to another node when its node fails).";
    }
}
