namespace VLOrleans.Contracts;

/// <summary>
/// The node's registry of session actors (one per id, like a silo's grain directory): creates sessions, activates
/// them on demand from the store, and deactivates idle ones. Visibility is per owner: a session created under one
/// API key is invisible (not found) under another.
/// </summary>
public interface ISessionDirectory
{
    /// <summary>Creates a new session owned by <paramref name="owner"/> (an API-key hash, or "" when keys are off).</summary>
    Task<IChatSessionGrain> CreateAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>The session's actor, activated from the store if needed; throws <see cref="SessionNotFoundException"/>
    /// when it does not exist or belongs to another owner.</summary>
    Task<IChatSessionGrain> GetAsync(string sessionId, string owner, CancellationToken cancellationToken = default);

    /// <summary>Sessions active in memory now (for metrics).</summary>
    int ActiveCount { get; }
}
