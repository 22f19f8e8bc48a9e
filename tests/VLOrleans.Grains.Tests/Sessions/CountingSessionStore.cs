using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Sessions;

/// <summary>The real store, counting the reads of image bytes (tests check that a reactivated session does not read
/// and decode images the vision cache still has).</summary>
public sealed class CountingSessionStore(ISessionStore inner) : ISessionStore
{
    private int _imageByteReads;

    public int ImageByteReads => Volatile.Read(ref _imageByteReads);

    public Task<byte[]?> GetImageBytesAsync(string imageId, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _imageByteReads);
        return inner.GetImageBytesAsync(imageId, cancellationToken);
    }

    public Task CreateSessionAsync(StoredSession session, CancellationToken cancellationToken = default) => inner.CreateSessionAsync(session, cancellationToken);

    public Task<StoredSession?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetSessionAsync(sessionId, cancellationToken);

    public Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default) => inner.DeleteSessionAsync(sessionId, cancellationToken);

    public Task<IReadOnlyList<TurnView>> GetTurnsAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetTurnsAsync(sessionId, cancellationToken);

    /// <summary>When set, every append fails with this (a store that breaks after an answer was streamed).</summary>
    public Exception? FailAppendsWith { get; set; }

    public Task AppendTurnsAsync(string sessionId, IReadOnlyList<TurnView> turns, CancellationToken cancellationToken = default) =>
        FailAppendsWith is { } failure ? Task.FromException(failure) : inner.AppendTurnsAsync(sessionId, turns, cancellationToken);

    public Task AddImageAsync(string sessionId, StoredImage image, string? fileName, int nextTurnIndex, CancellationToken cancellationToken = default) =>
        inner.AddImageAsync(sessionId, image, fileName, nextTurnIndex, cancellationToken);

    public Task<IReadOnlyList<StoredImageLink>> GetImagesAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetImagesAsync(sessionId, cancellationToken);

    public Task<IReadOnlyList<StoredSession>> ListSessionsAsync(string owner, int limit, SessionCursor? after, CancellationToken cancellationToken = default) =>
        inner.ListSessionsAsync(owner, limit, after, cancellationToken);

    public Task<bool> CreateSessionOnceAsync(StoredSession session, StoredIdempotencyKey key, CancellationToken cancellationToken = default) =>
        inner.CreateSessionOnceAsync(session, key, cancellationToken);

    public Task<bool> AppendTurnsOnceAsync(string sessionId, IReadOnlyList<TurnView> turns, StoredIdempotencyKey key, CancellationToken cancellationToken = default) =>
        inner.AppendTurnsOnceAsync(sessionId, turns, key, cancellationToken);

    public Task<StoredIdempotencyKey?> GetIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken = default) =>
        inner.GetIdempotencyKeyAsync(owner, key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
