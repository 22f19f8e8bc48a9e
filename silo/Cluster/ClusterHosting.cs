using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Orleans.Runtime.Placement;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Cluster;

/// <summary>
/// How a node joins its cluster. A silo (roles all and model): localhost clustering when <c>VLO:Cluster:Redis</c> is
/// empty (one node, today's default), else Redis membership with the advertised address and failure detection tuned
/// for seconds, not Orleans' default of about half a minute. A web node: an Orleans client of the same cluster id.
/// </summary>
public static class ClusterHosting
{
    /// <summary>How often a silo probes the others, and how long one probe may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row before a silo suspects another (then declares it dead: one vote is enough).</summary>
    public const int MissedProbesLimit = 2;

    /// <summary>How often a web node re-reads the gateway list (new model nodes become reachable within this).</summary>
    public static readonly TimeSpan GatewayListRefresh = TimeSpan.FromSeconds(2);

    public static void UseClustering(this ISiloBuilder silo, VloOptions settings)
    {
        var siloPort = PortOrFree(settings.Orleans.SiloPort);
        var gatewayPort = PortOrFree(settings.Orleans.GatewayPort);
        silo.Services.AddPlacementDirector<NodePinnedPlacement, NodePinnedPlacementDirector>();
        if (string.IsNullOrWhiteSpace(settings.Cluster.Redis))
        {
            // Several servers on one machine (tests, benchmarks) each form their own one-node cluster: free ports unless configured.
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId);
            return;
        }
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.Orleans.ClusterId, settings.Orleans.ServiceId));
        silo.UseRedisClustering(settings.Cluster.Redis);
        var address = IPAddress.Parse(settings.Cluster.AdvertisedAddress);
        silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // A killed node's sockets close at once, so its probes fail at once: two missed 1 s probes and one vote
            // (a cluster of two model nodes has only one other voter) declare it dead in about 2-3 s.
            o.ProbeTimeout = ProbeTimeout;
            o.NumMissedProbesLimit = MissedProbesLimit;
            o.NumVotesForDeathDeclaration = 1;
            // Nodes that stopped cleanly or died are dropped from the table after a while rather than kept for a week.
            o.DefunctSiloExpiration = TimeSpan.FromHours(1);
        });
    }

    public static void UseClusterClient(this IClientBuilder client, VloOptions settings)
    {
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.Orleans.ClusterId, settings.Orleans.ServiceId));
        client.UseRedisClustering(settings.Cluster.Redis);
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefresh);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(settings.Orleans.ResponseTimeoutSeconds));
        // A web node may start before any model node: it keeps trying instead of failing its start.
        client.UseConnectionRetryFilter(async (_, cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        });
    }

    /// <summary>
    /// Lets a store outage cross silos and reach web nodes as itself: Orleans serializes an exception type it has no
    /// generated codec for only when its namespace is listed, and a session grain's <see cref="Grains.Storage.StoreUnavailableException"/>
    /// (with the driver's exception inside) would otherwise fail the response instead of becoming 503 store_unavailable.
    /// </summary>
    public static IServiceCollection AddClusterExceptionTypes(this IServiceCollection services) =>
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o =>
        {
            o.SupportedNamespacePrefixes.Add("VLOrleans.Grains.Storage");
            o.SupportedNamespacePrefixes.Add("Npgsql");
        });

    private static int PortOrFree(int configured)
    {
        if (configured != 0) return configured;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
