using System.ComponentModel.DataAnnotations;

namespace VLOrleans.Silo.Cluster;

/// <summary>
/// Several processes as one service (<c>VLO:Cluster:…</c>): where the silos find each other (Redis) and where every
/// model node keeps the sessions (PostgreSQL). Both empty = today's single node (localhost clustering, SQLite).
/// </summary>
public sealed class ClusterSettings
{
    /// <summary>Redis connection string (StackExchange.Redis syntax, e.g. <c>10.0.0.5:6379</c>) for Orleans membership;
    /// empty = localhost clustering (one silo). Required for the model and web roles.</summary>
    public string Redis { get; set; } = "";

    /// <summary>Npgsql connection string of the session store shared by the model nodes; empty = SQLite under
    /// VLO:DataPath (one node). Required for the model role.</summary>
    public string Postgres { get; set; } = "";

    /// <summary>The address this silo advertises to the others (its own IP on the network they share). Loopback by default,
    /// for a cluster on one machine.</summary>
    [Required, RegularExpression(@"^[0-9a-fA-F:.]+$")]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}
