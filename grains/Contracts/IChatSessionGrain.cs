namespace VLOrleans.Contracts;

/// <summary>
/// One chat session (one actor per session id, activated on first use, deactivated when idle). It holds the
/// session's images and the ring buffer of its most recent turns, and runs one turn at a time.
/// </summary>
public interface IChatSessionGrain
{
    /// <summary>The session id (128-bit random, hex).</summary>
    string Id { get; }

    /// <summary>The session's turns and images.</summary>
    Task<SessionView> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Decodes, validates and stores an image; its embeddings are computed (or found in the cache) now,
    /// so the next question starts at once. Throws the engine's image rejection for bad bytes.</summary>
    /// <param name="bytes">The encoded image, already size-checked by the caller.</param>
    Task<ImageView> AddImageAsync(ReadOnlyMemory<byte> bytes, string? fileName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks a question. The stream yields <see cref="AskDelta"/>s then one <see cref="AskCompleted"/>; the turn pair
    /// is persisted when it completes. Throws <see cref="SessionBusyException"/> at once while another turn runs;
    /// cancelling stops generation and frees the slot (nothing is persisted for a cancelled turn).
    /// </summary>
    IAsyncEnumerable<AskEvent> AskAsync(AskRequest request, CancellationToken cancellationToken = default);

    /// <summary>Deletes the session, its turns and its references to images.</summary>
    Task DeleteAsync(CancellationToken cancellationToken = default);
}

/// <summary>A second question arrived while a turn was running (HTTP 409, code <c>session_busy</c>).</summary>
public sealed class SessionBusyException(string sessionId)
    : Exception($"Session {sessionId} is already answering a question; wait for it to finish or cancel it.")
{
    public string SessionId { get; } = sessionId;
}

/// <summary>No session with that id is visible to the caller (HTTP 404, code <c>session_not_found</c>).</summary>
public sealed class SessionNotFoundException(string sessionId) : Exception($"No session {sessionId}.")
{
    public string SessionId { get; } = sessionId;
}
