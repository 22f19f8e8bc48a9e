using VLOrleans.Contracts;

namespace VLOrleans.Grains.Storage;

/// <summary>
/// Where sessions live between activations and restarts: session rows, their turns, and their images (bytes in a
/// content-addressed table, stored once however many sessions link them). Embeddings and KV are never stored —
/// they are recomputed from the bytes after a restart. Kept small so a PostgreSQL implementation is a second file
/// with the same portable SQL. Thread-safe: any number of calls may run at once.
/// </summary>
public interface ISessionStore : IAsyncDisposable
{
    Task CreateSessionAsync(StoredSession session, CancellationToken cancellationToken = default);

    /// <summary>The session row, or null when there is none.</summary>
    Task<StoredSession?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the session, its turns and its image links; image bytes no other session links are deleted too.</summary>
    Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>All turns of a session, oldest first.</summary>
    Task<IReadOnlyList<TurnView>> GetTurnsAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Appends turns (a question and its answer) atomically: both or neither.</summary>
    Task AppendTurnsAsync(string sessionId, IReadOnlyList<TurnView> turns, CancellationToken cancellationToken = default);

    /// <summary>Stores the image's bytes under its id unless already there, and links it to the session (a second
    /// upload of the same image moves its link to <paramref name="nextTurnIndex"/>).</summary>
    Task AddImageAsync(string sessionId, StoredImage image, string? fileName, int nextTurnIndex, CancellationToken cancellationToken = default);

    /// <summary>The session's images (no bytes), in upload order.</summary>
    Task<IReadOnlyList<StoredImageLink>> GetImagesAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>An image's encoded bytes, or null when no image has that id.</summary>
    Task<byte[]?> GetImageBytesAsync(string imageId, CancellationToken cancellationToken = default);

    /// <summary>At most <paramref name="limit"/> of <paramref name="owner"/>'s sessions, newest first (ties by id,
    /// descending), strictly after <paramref name="after"/> in that order.</summary>
    Task<IReadOnlyList<StoredSession>> ListSessionsAsync(string owner, int limit, SessionCursor? after, CancellationToken cancellationToken = default);

    /// <summary>Creates the session and records <paramref name="key"/> in one transaction. Returns false, having written
    /// nothing, when the owner already used that key.</summary>
    Task<bool> CreateSessionOnceAsync(StoredSession session, StoredIdempotencyKey key, CancellationToken cancellationToken = default);

    /// <summary>Appends turns (as <see cref="AppendTurnsAsync"/>) and records <paramref name="key"/> in one transaction.
    /// Returns false, having written nothing, when the owner already used that key.</summary>
    Task<bool> AppendTurnsOnceAsync(string sessionId, IReadOnlyList<TurnView> turns, StoredIdempotencyKey key, CancellationToken cancellationToken = default);

    /// <summary>The owner's record of <paramref name="key"/>, or null when the owner never used it (or its session was deleted).</summary>
    Task<StoredIdempotencyKey?> GetIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken = default);
}

/// <summary>Where a page of sessions starts: after the session created at <paramref name="CreatedAtMs"/> with <paramref name="Id"/>.</summary>
public sealed record SessionCursor(long CreatedAtMs, string Id);

/// <summary>
/// A used Idempotency-Key: the owner's key, the request's fingerprint, and what it made — a session, or (with
/// <see cref="TurnIndex"/>) the assistant turn at that index of the session. Deleted with its session.
/// </summary>
public sealed record StoredIdempotencyKey(string Owner, string Key, string Fingerprint, string SessionId, int? TurnIndex);

/// <summary>A session row: who owns it and when it began.</summary>
public sealed record StoredSession(string Id, string Owner, DateTimeOffset CreatedAt);

/// <summary>An image as stored once for all sessions: its id (pixel content hash), encoded bytes, and what the decoder learned.</summary>
public sealed record StoredImage(string Id, ReadOnlyMemory<byte> Bytes, ImageView Facts);

/// <summary>A session's link to an image: the facts (with the session's file name) and the turn index it was uploaded before.</summary>
public sealed record StoredImageLink(ImageView Image, int NextTurnIndex);
