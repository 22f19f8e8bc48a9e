namespace VLOrleans.Grains.Storage;

/// <summary>
/// The session store's database cannot be reached right now (refused or broken connection, server shutting down or
/// starting up, timeout). The one exception a store outage surfaces as, whatever the driver threw, so callers map it
/// to one answer (503 <c>store_unavailable</c>) and retry later: the store reconnects by itself once the database is
/// back. Whether the failed call's write happened is unknown only when the outage struck during its commit; a caller
/// that retries an append then meets the stored turn's index (a conflict), never a duplicate.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception innerException) : Exception(message, innerException)
{
    /// <summary>The stable error code the server answers with.</summary>
    public const string Code = "store_unavailable";
}
