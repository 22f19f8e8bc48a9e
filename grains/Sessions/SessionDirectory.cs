using System.Collections.Concurrent;
using System.Security.Cryptography;
using VLOrleans.Contracts;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// The node's registry of session actors, like a silo's grain directory: at most one live actor per session id
/// (concurrent first calls share one activation), activation from the store on demand, deactivation of actors idle
/// for <see cref="ChatSessionOptions.IdleTimeout"/> by a timer (state stays in the store), and the owner check — a
/// session is invisible (not found) to every owner but the one that created it. Thread-safe.
/// </summary>
public sealed class SessionDirectory : ISessionDirectory, IAsyncDisposable
{
    private readonly ISessionStore _store;
    private readonly InferenceGrain _inference;
    private readonly ChatSessionOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<ChatSessionGrain>>> _active = new(StringComparer.Ordinal);
    private readonly Timer _sweep;

    public SessionDirectory(ISessionStore store, InferenceGrain inference, ChatSessionOptions options)
    {
        _store = store;
        _inference = inference;
        _options = options;
        // Sweep four times per timeout (at most every 30 s), so an idle actor lives at most 1.25 × the timeout.
        var period = TimeSpan.FromTicks(Math.Clamp(options.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(30).Ticks));
        _sweep = new Timer(_ => DeactivateIdle(), null, period, period);
    }

    public int ActiveCount => _active.Count;

    async Task<IChatSessionGrain> ISessionDirectory.CreateAsync(string owner, CancellationToken cancellationToken)
    {
        var session = new StoredSession(RandomNumberGenerator.GetHexString(32, lowercase: true), owner, DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await _store.CreateSessionAsync(session, cancellationToken).ConfigureAwait(false);
        var grain = ChatSessionGrain.Activate(session, [], [], _store, _inference, _options, ct => GetAsync(session.Id, owner, ct));
        _active[session.Id] = new Lazy<Task<ChatSessionGrain>>(Task.FromResult(grain));
        return grain;
    }

    Task<IChatSessionGrain> ISessionDirectory.GetAsync(string sessionId, string owner, CancellationToken cancellationToken) =>
        GetAsync(sessionId, owner, cancellationToken);

    private async Task<IChatSessionGrain> GetAsync(string sessionId, string owner, CancellationToken cancellationToken)
    {
        if (!IsSessionId(sessionId)) throw new SessionNotFoundException(sessionId);
        while (true)
        {
            var entry = _active.GetOrAdd(sessionId, id => new Lazy<Task<ChatSessionGrain>>(() => ActivateAsync(id)));
            ChatSessionGrain grain;
            try
            {
                grain = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (entry.Value.IsFaulted)
            {
                // Not found (or the store failed): forget the failed activation so the next call tries again.
                _active.TryRemove(new KeyValuePair<string, Lazy<Task<ChatSessionGrain>>>(sessionId, entry));
                throw;
            }
            if (grain.IsDeactivated)
            {
                // Deactivated (idle sweep or delete) between lookup and use: drop that entry and look again.
                _active.TryRemove(new KeyValuePair<string, Lazy<Task<ChatSessionGrain>>>(sessionId, entry));
                continue;
            }
            if (!string.Equals(grain.Owner, owner, StringComparison.Ordinal)) throw new SessionNotFoundException(sessionId);
            grain.Touch();
            return grain;
        }
    }

    private async Task<ChatSessionGrain> ActivateAsync(string sessionId)
    {
        // Not tied to the first caller's token: other callers share this activation.
        var session = await _store.GetSessionAsync(sessionId).ConfigureAwait(false) ?? throw new SessionNotFoundException(sessionId);
        var turns = await _store.GetTurnsAsync(sessionId).ConfigureAwait(false);
        var images = await _store.GetImagesAsync(sessionId).ConfigureAwait(false);
        return ChatSessionGrain.Activate(session, turns, images, _store, _inference, _options, ct => GetAsync(sessionId, session.Owner, ct));
    }

    /// <summary>Deactivates every actor idle for the timeout, and drops entries of deleted sessions.</summary>
    /// <param name="now">The clock (Environment.TickCount64) to judge idleness by; tests pass a later one instead of sleeping.</param>
    internal void DeactivateIdle(long? now = null)
    {
        var idleSince = (now ?? Environment.TickCount64) - (long)_options.IdleTimeout.TotalMilliseconds;
        foreach (var pair in _active)
        {
            if (!pair.Value.IsValueCreated || !pair.Value.Value.IsCompletedSuccessfully) continue;
            if (pair.Value.Value.Result.TryDeactivate(idleSince)) _active.TryRemove(pair);
        }
    }

    /// <summary>Session ids are 32 lowercase hex digits (128 random bits); anything else cannot exist.</summary>
    private static bool IsSessionId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    public async ValueTask DisposeAsync() => await _sweep.DisposeAsync().ConfigureAwait(false);
}
