using System.Runtime.CompilerServices;
using System.Text;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// One live chat session. Owns, in memory: the ring buffer of its recent turns (what the prompt holds), its images'
/// facts, and the <see cref="PreparedImage"/>s (with embeddings) of the images those turns and the next question use.
/// The store holds everything else and is the truth after a restart; images are re-prepared from stored bytes on
/// first use (the vision cache makes a re-prepare of a still-cached image cost a hash and a lookup).
/// Threading: one turn at a time (<see cref="_state"/>: a second concurrent question fails at once with
/// <see cref="SessionBusyException"/>); image uploads may overlap a turn; in-memory collections change only under
/// <see cref="_gate"/>. A deactivated actor forwards every call to the id's new activation.
/// </summary>
internal sealed partial class ChatSessionGrain : IChatSessionGrain
{
    private const int Idle = 0, Answering = 1, Deactivated = 2;

    private readonly StoredSession _session;
    private readonly ISessionStore _store;
    private readonly InferenceGrain _inference;
    private readonly ChatSessionOptions _options;
    private readonly Func<CancellationToken, Task<IChatSessionGrain>> _reactivate;
    private readonly Lock _gate = new();
    private readonly Queue<KeptTurn> _kept = new();
    private readonly Dictionary<string, StoredImageLink> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedImage> _prepared = new(StringComparer.Ordinal);

    // Images prepared (encoded, or found in the vision cache) but not yet reported in a turn's timings:
    // id → whether the vision cache had them. The first turn that uses one counts it as an encode or a hit.
    private readonly Dictionary<string, bool> _unreported = new(StringComparer.Ordinal);
    private int _state;
    private int _nextTurnIndex;
    private long _lastUsedTicks = Environment.TickCount64;

    private ChatSessionGrain(StoredSession session, ISessionStore store, InferenceGrain inference, ChatSessionOptions options,
        Func<CancellationToken, Task<IChatSessionGrain>> reactivate)
    {
        _session = session;
        _store = store;
        _inference = inference;
        _options = options;
        _reactivate = reactivate;
    }

    public string Id => _session.Id;

    public string Owner => _session.Owner;

    /// <summary>Ids of the images whose embeddings this actor holds now (tests check release).</summary>
    internal IReadOnlyList<string> HeldImageIds { get { lock (_gate) return [.. _prepared.Keys]; } }

    /// <summary>The messages of the last prompt sent to the engine (tests check what the ring buffer keeps).</summary>
    internal IReadOnlyList<ChatMessage> LastPrompt { get; private set; } = [];

    /// <summary>Rebuilds an actor from the store: the last turns of the ring buffer and the image links (no bytes).</summary>
    public static ChatSessionGrain Activate(StoredSession session, IReadOnlyList<TurnView> turns, IReadOnlyList<StoredImageLink> images,
        ISessionStore store, InferenceGrain inference, ChatSessionOptions options, Func<CancellationToken, Task<IChatSessionGrain>> reactivate)
    {
        var grain = new ChatSessionGrain(session, store, inference, options, reactivate);
        // Turns are stored as user/assistant pairs (a question and its answer are written in one transaction).
        for (var i = 0; i + 1 < turns.Count; i += 2)
            grain.Keep(new KeptTurn(turns[i].Text, turns[i].ImageIds, turns[i + 1].Text));
        grain._nextTurnIndex = turns.Count == 0 ? 0 : turns[^1].Index + 1;
        foreach (var link in images) grain._images[link.Image.Id] = link;
        return grain;
    }

    async Task<SessionView> IChatSessionGrain.GetAsync(CancellationToken cancellationToken)
    {
        if (IsDeactivated) return await (await _reactivate(cancellationToken).ConfigureAwait(false)).GetAsync(cancellationToken).ConfigureAwait(false);
        Touch();
        var turns = await _store.GetTurnsAsync(Id, cancellationToken).ConfigureAwait(false);
        var images = await _store.GetImagesAsync(Id, cancellationToken).ConfigureAwait(false);
        return new SessionView(Id, _session.CreatedAt, turns, [.. images.Select(l => l.Image)]);
    }

    async Task<ImageView> IChatSessionGrain.AddImageAsync(ReadOnlyMemory<byte> bytes, string? fileName, CancellationToken cancellationToken)
    {
        if (IsDeactivated)
            return await (await _reactivate(cancellationToken).ConfigureAwait(false)).AddImageAsync(bytes, fileName, cancellationToken).ConfigureAwait(false);
        Touch();
        var prepared = await _inference.Engine.PrepareImageAsync(bytes, cancellationToken).ConfigureAwait(false);
        var view = ImageViews.From(prepared, fileName);
        // Uploaded while a turn runs, the image belongs to the question after it (that turn takes two indexes).
        int nextTurn;
        lock (_gate) nextTurn = _nextTurnIndex + (Volatile.Read(ref _state) == Answering ? 2 : 0);
        await _store.AddImageAsync(Id, new StoredImage(view.Id, bytes, view), fileName, nextTurn, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _images[view.Id] = new StoredImageLink(view, nextTurn);
            if (_prepared.TryAdd(view.Id, prepared)) _unreported[view.Id] = prepared.WasCached;
        }
        Touch();
        return view;
    }

    async IAsyncEnumerable<AskEvent> IChatSessionGrain.AskAsync(AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Answering, Idle) != Idle)
        {
            if (!IsDeactivated) throw new SessionBusyException(Id);
            var next = await _reactivate(cancellationToken).ConfigureAwait(false);
            await foreach (var e in next.AskAsync(request, cancellationToken).ConfigureAwait(false)) yield return e;
            yield break;
        }
        try
        {
            Touch();
            var startedAt = Now();
            using var generation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            PreparedTurn turn;
            GenerationStream stream;
            for (var dropped = 0; ; dropped++)
            {
                turn = await PrepareTurnAsync(request, dropped, cancellationToken).ConfigureAwait(false);
                try
                {
                    stream = turn.Engine.Ask(turn.Messages, turn.Images, turn.Settings, Id, generation.Token);
                    break;
                }
                catch (GenerationRejectedException e) when (e.Code == "context_length_exceeded" && dropped < turn.HistoryCount)
                {
                    // Kept turns + question + max_tokens overflow a slot: leave the oldest kept turn out and try again,
                    // so a long conversation keeps working (the question alone must still fit).
                }
            }
            var answer = new StringBuilder();
            GenerationCompleted? done = null;
            try
            {
                await foreach (var e in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
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
                // The consumer stopped reading (closed connection, cancelled hub stream): stop the sequence, free the slot.
                if (done is null) await generation.CancelAsync().ConfigureAwait(false);
            }
            if (done is null || done.Reason == FinishReason.Cancelled) throw new OperationCanceledException(cancellationToken);
            var completedTurn = await PersistAsync(request.Text, turn, answer.ToString(), done, startedAt).ConfigureAwait(false);
            yield return new AskCompleted(completedTurn);
        }
        finally
        {
            Touch();
            Interlocked.CompareExchange(ref _state, Idle, Answering);
        }
    }

    async Task IChatSessionGrain.DeleteAsync(CancellationToken cancellationToken)
    {
        if (IsDeactivated)
        {
            await (await _reactivate(cancellationToken).ConfigureAwait(false)).DeleteAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        // A running turn would write into the deleted session; refusing is clearer than racing it.
        if (Interlocked.CompareExchange(ref _state, Deactivated, Idle) != Idle) throw new SessionBusyException(Id);
        await _store.DeleteSessionAsync(Id, cancellationToken).ConfigureAwait(false);
        ReleaseMemory();
    }

    /// <summary>Deactivates the actor if nobody used it since <paramref name="idleSinceTicks"/> and no turn runs.</summary>
    internal bool TryDeactivate(long idleSinceTicks)
    {
        if (Volatile.Read(ref _lastUsedTicks) > idleSinceTicks) return false;
        if (Interlocked.CompareExchange(ref _state, Deactivated, Idle) != Idle) return IsDeactivated;
        ReleaseMemory();
        return true;
    }

    internal bool IsDeactivated => Volatile.Read(ref _state) == Deactivated;

    internal long LastUsedTicks => Volatile.Read(ref _lastUsedTicks);

    /// <summary>Now, to the millisecond the store keeps, so a turn reads the same before and after a restart.</summary>
    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>Marks the actor used now (the directory calls it on every lookup, so a fetched actor is not swept at once).</summary>
    internal void Touch() => Volatile.Write(ref _lastUsedTicks, Environment.TickCount64);

    private void ReleaseMemory()
    {
        lock (_gate)
        {
            _prepared.Clear();
            _unreported.Clear();
        }
        // Free the session's resident KV slot. The engine may be gone (shutdown) or not loaded yet: nothing to free then.
        try
        {
            if (_inference.IsReady) _inference.Engine.ForgetSession(Id);
        }
        catch (Exception e) when (e is ModelNotReadyException or ObjectDisposedException)
        {
        }
    }

    private void Keep(KeptTurn turn)
    {
        _kept.Enqueue(turn);
        // The prompt holds RecentTurns turns counting the new question, so RecentTurns - 1 completed ones stay.
        while (_kept.Count > _options.RecentTurns - 1) _kept.Dequeue();
    }

}
