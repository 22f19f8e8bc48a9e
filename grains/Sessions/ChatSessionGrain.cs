using System.Runtime.CompilerServices;
using System.Text;
using Orleans.Placement;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// One live chat session, an Orleans grain keyed by the session id. Owns, in memory on its silo: the ring buffer of
/// its recent turns (what the prompt holds), its images' facts, and the <see cref="PreparedImage"/>s (with
/// embeddings) of the images those turns and the next question use. The store is the truth: activation loads the
/// ring buffer and image links from it; deactivation (Orleans collects an idle session after
/// <see cref="ChatSessionOptions.IdleTimeout"/>) releases the embeddings and the session's resident KV slot.
/// Placement: local to the silo the request arrived at, and never migrated — its embeddings and KV live in that
/// silo's engine (<see cref="InferenceGrain"/>), which is the only engine it calls.
/// Threading: Orleans runs one call at a time on the activation, but the calls of an open answer enumeration
/// interleave with other calls, so "one turn at a time" is an explicit flag (<see cref="_answering"/>); an image
/// upload may run during a turn and belongs to the question after it.
/// </summary>
[PreferLocalPlacement]
[Immovable]
internal sealed partial class ChatSessionGrain(ISessionStore store, InferenceGrain inference, ChatSessionOptions options, ActiveSessions active)
    : Grain, IChatSessionGrain
{
    private readonly Queue<KeptTurn> _kept = new();
    private readonly Dictionary<string, StoredImageLink> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedImage> _prepared = new(StringComparer.Ordinal);

    // Images prepared (encoded, or found in the vision cache) but not yet reported in a turn's timings:
    // id → whether the vision cache had them. The first turn that uses one counts it as an encode or a hit.
    private readonly Dictionary<string, bool> _unreported = new(StringComparer.Ordinal);

    /// <summary>The session row; null when no session has this id (never created, or deleted).</summary>
    private StoredSession? _session;
    private bool _answering;

    // The running turn's generation, so a cancel request (CancelAsync, interleaved) can stop it; and whether one did,
    // so the turn ends as "cancelled" rather than as an abandoned stream.
    private CancellationTokenSource? _runningGeneration;
    private bool _cancelRequested;
    private int _turnSerial; // which AskAsync holds _answering: a finished turn's late cleanup must not free a newer turn's flag
    private int _nextTurnIndex;

    private string Id => this.GetPrimaryKeyString();

    /// <summary>Ids of the images whose embeddings this activation holds now (tests check release).</summary>
    internal IReadOnlyList<string> HeldImageIds => [.. _prepared.Keys];

    /// <summary>The messages of the last prompt sent to the engine (tests check what the ring buffer keeps).</summary>
    internal IReadOnlyList<ChatMessage> LastPrompt { get; private set; } = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        active.Activated();
        if (!SessionIds.IsValid(Id)) return;
        _session = await store.GetSessionAsync(Id, cancellationToken);
        if (_session is null) return;
        var turns = await store.GetTurnsAsync(Id, cancellationToken);
        // Turns are stored as user/assistant pairs (a question and its answer are written in one transaction).
        for (var i = 0; i + 1 < turns.Count; i += 2) Keep(new KeptTurn(turns[i].Text, turns[i].ImageIds, turns[i + 1].Text));
        _nextTurnIndex = turns.Count == 0 ? 0 : turns[^1].Index + 1;
        foreach (var link in await store.GetImagesAsync(Id, cancellationToken)) _images[link.Image.Id] = link;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ReleaseMemory();
        active.Deactivated();
        return Task.CompletedTask;
    }

    async Task IChatSessionGrain.CreateAsync(string owner, CancellationToken cancellationToken)
    {
        if (_session is not null) throw new InvalidOperationException($"session {Id} already exists"); // 128 random bits: a bug, not a collision
        var session = new StoredSession(Id, owner, Now());
        await store.CreateSessionAsync(session, cancellationToken);
        _session = session;
    }

    async Task<SessionView> IChatSessionGrain.GetAsync(string owner, CancellationToken cancellationToken)
    {
        var session = Session(owner);
        var turns = await store.GetTurnsAsync(Id, cancellationToken);
        var images = await store.GetImagesAsync(Id, cancellationToken);
        return new SessionView(Id, session.CreatedAt, turns, [.. images.Select(l => l.Image)]);
    }

    async Task<ImageView> IChatSessionGrain.AddImageAsync(string owner, byte[] bytes, string? fileName, CancellationToken cancellationToken)
    {
        Session(owner);
        PreparedImage prepared;
        try
        {
            prepared = await inference.Engine.PrepareImageAsync(bytes, cancellationToken);
        }
        catch (Exception e) when (SessionProblems.AtBoundary(e) is { } problem)
        {
            throw problem;
        }
        var view = ImageViews.From(prepared, fileName);
        // Uploaded while a turn runs, the image belongs to the question after it (that turn takes two indexes).
        var nextTurn = _nextTurnIndex + (_answering ? 2 : 0);
        await store.AddImageAsync(Id, new StoredImage(view.Id, bytes, view), fileName, nextTurn, cancellationToken);
        _images[view.Id] = new StoredImageLink(view, nextTurn);
        if (_prepared.TryAdd(view.Id, prepared)) _unreported[view.Id] = prepared.WasCached;
        return view;
    }

    private void EndTurn(int serial)
    {
        if (serial != _turnSerial || !_answering) return;
        _answering = false;
        _runningGeneration = null;
        DelayDeactivation(TimeSpan.Zero); // back to ordinary idle collection
    }

    // Every failure of a turn crosses to the caller translated (SessionProblems.AtBoundary): no engine type may.
    IAsyncEnumerable<AskEvent> IChatSessionGrain.AskAsync(string owner, AskRequest request, CancellationToken cancellationToken) =>
        SessionProblems.AtBoundary(AnswerAsync(owner, request, null, cancellationToken), cancellationToken);

    IAsyncEnumerable<AskEvent> IChatSessionGrain.AskAsync(string owner, AskRequest request, IdempotencyClaim claim, CancellationToken cancellationToken) =>
        SessionProblems.AtBoundary(AnswerAsync(owner, request, claim, cancellationToken), cancellationToken);

    private async IAsyncEnumerable<AskEvent> AnswerAsync(string owner, AskRequest request, IdempotencyClaim? claim, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Session(owner);
        if (claim is not null && await store.GetIdempotencyKeyAsync(owner, claim.Key, cancellationToken) is { } earlier)
        {
            // A retry of a question already answered: the stored turn again, nothing generated.
            var stored = await ReplayAsync(claim, earlier, cancellationToken);
            yield return new AskAccepted();
            if (stored.Text.Length > 0) yield return new AskDelta(stored.Text);
            yield return new AskCompleted(stored);
            yield break;
        }
        if (_answering) throw new SessionBusyException(Id);
        _answering = true;
        var serial = ++_turnSerial;
        // Orleans counts only incoming calls as activity; a long generation between two of them must not look idle.
        DelayDeactivation(TimeSpan.MaxValue);
        try
        {
            var startedAt = Now();
            using var generation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _runningGeneration = generation;
            _cancelRequested = false;
            PreparedTurn turn;
            GenerationStream stream;
            try
            {
                (turn, stream) = await StartTurnAsync(request, generation.Token, cancellationToken);
            }
            catch (OperationCanceledException) when (_cancelRequested)
            {
                throw Cancelled();
            }
            yield return new AskAccepted();
            var answer = new StringBuilder();
            GenerationCompleted? done = null;
            try
            {
                await foreach (var e in stream.ReadAllAsync(cancellationToken))
                {
                    if (e is TokenGenerated { TextDelta.Length: > 0 } token)
                    {
                        answer.Append(token.TextDelta);
                        yield return new AskDelta(token.TextDelta);
                    }
                    else if (e is GenerationCompleted completed)
                    {
                        done = completed;
                    }
                }
            }
            finally
            {
                // The consumer stopped reading (disposed the enumeration, cancelled, or went away): stop the sequence, free the slot.
                if (done is null) await generation.CancelAsync();
            }
            if (done is null || done.Reason == FinishReason.Cancelled)
            {
                if (_cancelRequested) throw Cancelled();
                throw new OperationCanceledException(cancellationToken);
            }
            var key = claim is null ? null : new StoredIdempotencyKey(owner, claim.Key, claim.Fingerprint, Id, _nextTurnIndex + 1);
            var completedTurn = await PersistAsync(request.Text, turn, answer.ToString(), done, startedAt, key);
            // The turn is stored: the session is free before the client sees "done", so a follow-up sent right after it
            // is not refused as busy while the caller's end of the enumeration is still being closed (a web node's
            // close is a grain call of its own and may arrive after the follow-up).
            EndTurn(serial);
            yield return new AskCompleted(completedTurn);
        }
        finally
        {
            EndTurn(serial);
        }
    }

    Task<bool> IChatSessionGrain.CancelAsync(string owner, CancellationToken cancellationToken)
    {
        Session(owner);
        if (_runningGeneration is not { } running) return Task.FromResult(false);
        _cancelRequested = true;
        running.Cancel(); // the turn's stream ends with Cancelled; AnswerAsync turns that into turn_cancelled
        return Task.FromResult(true);
    }

    async Task<SessionImage> IChatSessionGrain.GetImageAsync(string owner, string imageId, CancellationToken cancellationToken)
    {
        Session(owner);
        // Only the session's own images: the id is a content hash another session may share, but it is not this caller's.
        if (!_images.TryGetValue(imageId, out var link)) throw new ImageNotFoundException(Id, imageId);
        var bytes = await store.GetImageBytesAsync(imageId, cancellationToken) ?? throw new ImageNotFoundException(Id, imageId);
        return new SessionImage(link.Image, bytes);
    }

    private RequestProblemException Cancelled() =>
        new(ProblemKind.TurnCancelled, ProblemCodes.TurnCancelled, $"The answer in session {Id} was stopped by a cancel request; nothing was stored.");

    /// <summary>Prepares the prompt and queues it. When kept turns + question + max_tokens overflow a slot, the oldest
    /// kept turns are left out one by one, so a long conversation keeps working (the question alone must still fit).</summary>
    private async Task<(PreparedTurn Turn, GenerationStream Stream)> StartTurnAsync(AskRequest request, CancellationToken generation, CancellationToken cancellationToken)
    {
        try
        {
            for (var dropped = 0; ; dropped++)
            {
                var turn = await PrepareTurnAsync(request, dropped, cancellationToken);
                try
                {
                    return (turn, turn.Engine.Ask(turn.Messages, turn.Images, turn.Settings, Id, generation));
                }
                catch (GenerationRejectedException e) when (e.Reason == GenerationRejection.ContextLengthExceeded && dropped < turn.HistoryCount)
                {
                }
            }
        }
        catch (Exception e) when (SessionProblems.Translate(e) is { } problem)
        {
            throw problem;
        }
    }

    async Task IChatSessionGrain.DeleteAsync(string owner, CancellationToken cancellationToken)
    {
        Session(owner);
        // A running turn would write into the deleted session; refusing is clearer than racing it.
        if (_answering) throw new SessionBusyException(Id);
        await store.DeleteSessionAsync(Id, cancellationToken);
        _session = null;
        ReleaseMemory();
        DeactivateOnIdle();
    }

    /// <summary>The session row if <paramref name="owner"/> may see it; otherwise not found (an activation for an id with no
    /// session asks to be collected at once, so probing ids costs no memory).</summary>
    private StoredSession Session(string owner)
    {
        if (_session is { } session && string.Equals(session.Owner, owner, StringComparison.Ordinal)) return session;
        if (_session is null) DeactivateOnIdle();
        throw new SessionNotFoundException(Id);
    }

    /// <summary>Now, to the millisecond the store keeps, so a turn reads the same before and after a restart.</summary>
    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private void ReleaseMemory()
    {
        _prepared.Clear();
        _unreported.Clear();
        // Free the session's resident KV slot. The engine may be gone (shutdown) or not loaded yet: nothing to free then.
        try
        {
            if (inference.IsReady) inference.Engine.ForgetSession(Id);
        }
        catch (Exception e) when (e is ModelNotReadyException or ObjectDisposedException)
        {
        }
    }

    private void Keep(KeptTurn turn)
    {
        _kept.Enqueue(turn);
        // The prompt holds RecentTurns turns counting the new question, so RecentTurns - 1 completed ones stay.
        while (_kept.Count > options.RecentTurns - 1) _kept.Dequeue();
    }
}
