using System.Data.Common;
using VLOrleans.Contracts;

namespace VLOrleans.Grains.Storage;

/// <summary>
/// Sessions in this process's memory only (<c>VLO:Store=memory</c>): nothing is written anywhere, so the server runs
/// with a read-only working directory and data folder — and every session is lost when the process stops. Same
/// contract as the database stores (the contract suite runs on it): images stored once by id however many sessions
/// link them and collected with their last link, turns appended as pairs atomically, a turn index stored twice
/// refused with a <see cref="DbException"/> and nothing written. One lock guards it all: each call is a few
/// dictionary operations, never I/O. Thread-safe.
/// </summary>
public sealed class MemorySessionStore : ISessionStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedList<int, TurnView>> _turns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (byte[] Bytes, ImageView Facts)> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, Link>> _links = new(StringComparer.Ordinal); // session → image → link
    private readonly Dictionary<(string Owner, string Key), StoredIdempotencyKey> _keys = new();
    private long _uploadSequence;

    Task ISessionStore.CreateSessionAsync(StoredSession session, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_sessions.TryAdd(session.Id, session)) throw new MemoryStoreConflictException($"session {session.Id} already exists");
        }
        return Task.CompletedTask;
    }

    Task<StoredSession?> ISessionStore.GetSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_sessions.GetValueOrDefault(sessionId));
    }

    Task ISessionStore.DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _sessions.Remove(sessionId);
            _turns.Remove(sessionId);
            foreach (var used in _keys.Where(k => k.Value.SessionId == sessionId).Select(k => k.Key).ToList()) _keys.Remove(used);
            if (_links.Remove(sessionId, out var links))
            {
                // Image bytes no other session links any more are garbage, as in the database stores.
                foreach (var imageId in links.Keys)
                    if (!_links.Values.Any(other => other.ContainsKey(imageId))) _images.Remove(imageId);
            }
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<TurnView>> ISessionStore.GetTurnsAsync(string sessionId, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<TurnView>>(_turns.TryGetValue(sessionId, out var turns) ? [.. turns.Values] : []);
    }

    Task ISessionStore.AppendTurnsAsync(string sessionId, IReadOnlyList<TurnView> turns, CancellationToken cancellationToken)
    {
        lock (_gate) AppendLocked(sessionId, turns);
        return Task.CompletedTask;
    }

    Task<bool> ISessionStore.AppendTurnsOnceAsync(string sessionId, IReadOnlyList<TurnView> turns, StoredIdempotencyKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_keys.ContainsKey((key.Owner, key.Key))) return Task.FromResult(false);
            AppendLocked(sessionId, turns); // throws, having written nothing, before the key is recorded
            _keys[(key.Owner, key.Key)] = key;
        }
        return Task.FromResult(true);
    }

    Task<bool> ISessionStore.CreateSessionOnceAsync(StoredSession session, StoredIdempotencyKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_keys.ContainsKey((key.Owner, key.Key))) return Task.FromResult(false);
            if (!_sessions.TryAdd(session.Id, session)) throw new MemoryStoreConflictException($"session {session.Id} already exists");
            _keys[(key.Owner, key.Key)] = key;
        }
        return Task.FromResult(true);
    }

    Task<StoredIdempotencyKey?> ISessionStore.GetIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_keys.GetValueOrDefault((owner, key)));
    }

    Task<IReadOnlyList<StoredSession>> ISessionStore.ListSessionsAsync(string owner, int limit, SessionCursor? after, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // The database stores' order and cursor: newest first by creation time in milliseconds, then by id (ordinal).
            var page = _sessions.Values
                .Where(s => s.Owner == owner)
                .Select(s => (Session: s, Ms: s.CreatedAt.ToUnixTimeMilliseconds()))
                .Where(s => after is null || s.Ms < after.CreatedAtMs || (s.Ms == after.CreatedAtMs && string.CompareOrdinal(s.Session.Id, after.Id) < 0))
                .OrderByDescending(s => s.Ms).ThenByDescending(s => s.Session.Id, StringComparer.Ordinal)
                .Take(limit)
                .Select(s => s.Session with { CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(s.Ms) });
            return Task.FromResult<IReadOnlyList<StoredSession>>([.. page]);
        }
    }

    private void AppendLocked(string sessionId, IReadOnlyList<TurnView> turns)
    {
        var stored = _turns.TryGetValue(sessionId, out var existing) ? existing : null;
        // All or nothing: every index is checked (against the stored turns and within the batch) before any is written.
        var indexes = new HashSet<int>();
        foreach (var turn in turns)
        {
            if (!indexes.Add(turn.Index) || stored?.ContainsKey(turn.Index) == true)
                throw new MemoryStoreConflictException($"session {sessionId} already has a turn {turn.Index}");
        }
        if (stored is null) _turns[sessionId] = stored = [];
        foreach (var turn in turns) stored.Add(turn.Index, turn);
    }

    Task ISessionStore.AddImageAsync(string sessionId, StoredImage image, string? fileName, int nextTurnIndex, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _images.TryAdd(image.Id, (image.Bytes.ToArray(), image.Facts));
            if (!_links.TryGetValue(sessionId, out var links)) _links[sessionId] = links = new(StringComparer.Ordinal);
            links[image.Id] = new Link(fileName, nextTurnIndex, ++_uploadSequence);
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<StoredImageLink>> ISessionStore.GetImagesAsync(string sessionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_links.TryGetValue(sessionId, out var links)) return Task.FromResult<IReadOnlyList<StoredImageLink>>([]);
            return Task.FromResult<IReadOnlyList<StoredImageLink>>([.. links.OrderBy(l => l.Value.Sequence)
                .Select(l => new StoredImageLink(_images[l.Key].Facts with { FileName = l.Value.FileName }, l.Value.NextTurnIndex))]);
        }
    }

    Task<byte[]?> ISessionStore.GetImageBytesAsync(string imageId, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_images.TryGetValue(imageId, out var image) ? image.Bytes.ToArray() : null);
    }

    /// <summary>Distinct images held (tests check content addressing).</summary>
    public long ImageCount
    {
        get { lock (_gate) return _images.Count; }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A session's link to an image: its file name there, the turn it belongs to, and its place in upload order.</summary>
    private sealed record Link(string? FileName, int NextTurnIndex, long Sequence);
}

/// <summary>A write the memory store refuses because it would break a key (a session or turn index stored twice) — a
/// <see cref="DbException"/>, as a database store's constraint violation is.</summary>
public sealed class MemoryStoreConflictException(string message) : DbException(message);
