using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Silo.Cluster;

/// <summary>
/// Failures of the cluster rather than of the request, as the 503s a client retries: a model node died or stopped
/// while a call was on it (Orleans rejects the call, or the enumeration of a streamed answer is gone with its node),
/// the gateway a web node talked to went away, or the session store's database is unreachable. Nothing of a failed
/// turn is stored (a turn is stored whole when its answer ends), so asking again is safe; the next call is placed on a
/// live node. Every code here is retryable and its response carries <c>Retry-After</c>.
/// </summary>
public static class ClusterFailures
{
    /// <summary>A model node went away during the call (503): retry; the session continues on another node.</summary>
    public const string NodeUnavailable = "node_unavailable";

    /// <summary>Seconds a 503 of this kind tells the client to wait: about the time the cluster needs to notice a dead node.</summary>
    public const int RetryAfterSeconds = 2;

    public static (int Status, string Code, string Title)? Classify(Exception exception) => exception switch
    {
        StoreUnavailableException => (StatusCodes.Status503ServiceUnavailable, StoreUnavailableException.Code, "Session store unavailable"),
        SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException or EnumerationAbortedException
            or GatewayTooBusyException or ClientNotAvailableException
            => (StatusCodes.Status503ServiceUnavailable, NodeUnavailable, "Model node unavailable"),
        _ => null,
    };

    /// <summary>The retryable codes: the ones with <c>Retry-After</c>.</summary>
    public static bool IsRetryable(string code) => code is NodeUnavailable or StoreUnavailableException.Code;
}
