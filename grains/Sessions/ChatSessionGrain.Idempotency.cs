using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>Idempotency-Keys: a session created, or a turn stored, at most once per key of an owner. The store decides
/// (the key is written in the same transaction as what it made), so a retry after a reactivation, a restart or on
/// another silo finds it; nothing about keys is held in memory.</summary>
internal sealed partial class ChatSessionGrain
{
    async Task<string> IChatSessionGrain.CreateAsync(string owner, IdempotencyClaim claim, CancellationToken cancellationToken)
    {
        if (_session is not null) throw new InvalidOperationException($"session {Id} already exists"); // 128 random bits: a bug, not a collision
        var session = new StoredSession(Id, owner, Now());
        if (await store.CreateSessionOnceAsync(session, new StoredIdempotencyKey(owner, claim.Key, claim.Fingerprint, Id, null), cancellationToken))
        {
            _session = session;
            return Id;
        }
        // The key made a session before (a retry): that session is the answer, and this activation has nothing to hold.
        DeactivateOnIdle();
        var earlier = await store.GetIdempotencyKeyAsync(owner, claim.Key, cancellationToken);
        if (earlier is { TurnIndex: null } && string.Equals(earlier.Fingerprint, claim.Fingerprint, StringComparison.Ordinal)) return earlier.SessionId;
        throw KeyReused(claim);
    }

    /// <summary>The assistant turn <paramref name="earlier"/> stored, if it was made by the same request in this session.</summary>
    private async Task<TurnView> ReplayAsync(IdempotencyClaim claim, StoredIdempotencyKey earlier, CancellationToken cancellationToken)
    {
        if (!string.Equals(earlier.Fingerprint, claim.Fingerprint, StringComparison.Ordinal) || earlier.TurnIndex is not { } index
            || !string.Equals(earlier.SessionId, Id, StringComparison.Ordinal))
            throw KeyReused(claim);
        var turns = await store.GetTurnsAsync(Id, cancellationToken);
        return turns.FirstOrDefault(t => t.Index == index)
            ?? throw new InvalidOperationException($"session {Id} has the idempotency key of turn {index} but not the turn");
    }

    private static RequestProblemException KeyReused(IdempotencyClaim claim) =>
        new(ProblemKind.IdempotencyKeyReused, ProblemCodes.IdempotencyKeyReused,
            $"The Idempotency-Key \"{claim.Key}\" was already used with a different request; send a new key for a new request.");
}
