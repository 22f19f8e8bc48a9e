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
internal sealed class ChatSessionGrain : IChatSessionGrain
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

    private sealed record PreparedTurn(VisionLanguageEngine Engine, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<PreparedImage> Images,
        GenerationSettings Settings, IReadOnlyList<string> ImageIds, int VisionCacheHits, int VisionEncodes, IReadOnlyList<string> Reported, int HistoryCount);

    /// <summary>Checks the question, prepares the images the prompt needs, and renders kept turns (less the
    /// <paramref name="dropOldest"/> oldest) + question as chat messages.</summary>
    private async Task<PreparedTurn> PrepareTurnAsync(AskRequest request, int dropOldest, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Text)) throw new ArgumentException("text must not be empty.", nameof(request));
        var engine = _inference.Engine;
        var settings = Settings(request, engine.Defaults);
        KeptTurn[] history;
        string[] imageIds;
        lock (_gate)
        {
            history = [.. _kept.Skip(dropOldest)];
            imageIds = request.ImageIds is { } requested
                ? [.. requested.Distinct(StringComparer.Ordinal)]
                : [.. _images.Values.Where(l => l.NextTurnIndex >= _nextTurnIndex).Select(l => l.Image.Id)];
            foreach (var id in imageIds)
                if (!_images.ContainsKey(id)) throw new ImageNotFoundException(Id, id);
        }

        var messages = new List<ChatMessage>();
        var images = new List<PreparedImage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int hits = 0, encodes = 0;
        var reported = new List<string>();
        async Task<ChatMessage> UserMessage(string text, IReadOnlyList<string> ids)
        {
            var parts = new List<ChatContent>();
            foreach (var id in ids)
            {
                var prepared = await EnsurePreparedAsync(engine, id, cancellationToken).ConfigureAwait(false);
                images.Add(prepared);
                parts.Add(new ImageContent(id));
                if (!seen.Add(id)) continue;
                bool wasCached;
                lock (_gate)
                {
                    if (!_unreported.TryGetValue(id, out wasCached)) wasCached = true; // held since an earlier turn: reused
                    else reported.Add(id);
                }
                if (wasCached) hits++;
                else encodes++;
            }
            parts.Add(new TextContent(text));
            return new ChatMessage(ChatRole.User, null, parts);
        }
        foreach (var kept in history)
        {
            messages.Add(await UserMessage(kept.Question, kept.ImageIds).ConfigureAwait(false));
            messages.Add(ChatMessage.Assistant(kept.Answer));
        }
        messages.Add(await UserMessage(request.Text, imageIds).ConfigureAwait(false));
        LastPrompt = messages;
        return new PreparedTurn(engine, messages, images, settings, imageIds, hits, encodes, reported, history.Length);
    }

    /// <summary>The image's prepared form: held in memory, or re-prepared from the stored bytes (after a restart,
    /// a deactivation, or once its turn left the ring buffer).</summary>
    private async Task<PreparedImage> EnsurePreparedAsync(VisionLanguageEngine engine, string imageId, CancellationToken cancellationToken)
    {
        lock (_gate)
            if (_prepared.TryGetValue(imageId, out var held)) return held;
        var bytes = await _store.GetImageBytesAsync(imageId, cancellationToken).ConfigureAwait(false) ?? throw new ImageNotFoundException(Id, imageId);
        var prepared = await engine.PrepareImageAsync(bytes, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_prepared.TryAdd(imageId, prepared)) _unreported[imageId] = prepared.WasCached;
            return _prepared[imageId];
        }
    }

    private GenerationSettings Settings(AskRequest request, GenerationDefaults defaults)
    {
        if (request.MaxTokens is <= 0) throw new ArgumentException("max_tokens must be positive.", nameof(request));
        var sampling = defaults.Sampling with
        {
            Temperature = request.Temperature ?? defaults.Sampling.Temperature,
            TopP = request.TopP ?? defaults.Sampling.TopP,
            TopK = request.TopK ?? defaults.Sampling.TopK,
            Seed = request.Seed ?? defaults.Sampling.Seed,
        };
        sampling.Validate();
        var maxTokens = Math.Min(request.MaxTokens ?? _options.DefaultAnswerTokens, _options.MaxAnswerTokens);
        return new GenerationSettings { MaxTokens = maxTokens, Sampling = sampling };
    }

    /// <summary>Stores the question and its answer (one transaction), then moves the ring buffer on and lets go of
    /// images no kept turn and no pending upload uses.</summary>
    private async Task<TurnView> PersistAsync(string question, PreparedTurn turn, string answer, GenerationCompleted done, DateTimeOffset startedAt)
    {
        int index;
        lock (_gate) index = _nextTurnIndex;
        var usage = new UsageView(done.Usage.PromptTokens, done.Usage.ReusedPromptTokens, done.Usage.CompletionTokens);
        var timings = new TimingsView(done.Timings.Queued.TotalMilliseconds, done.Timings.TimeToFirstToken.TotalMilliseconds,
            done.Timings.Total.TotalMilliseconds, done.Timings.DecodeTokensPerSecond(done.Usage.CompletionTokens), turn.VisionCacheHits, turn.VisionEncodes);
        var user = new TurnView(index, ChatRole.User, question, turn.ImageIds, startedAt);
        var assistant = new TurnView(index + 1, ChatRole.Assistant, answer, [], Now(),
            done.Reason == FinishReason.Length ? "length" : "stop", usage, timings);
        // Not cancellable: the answer is complete; dropping it now would lose a turn the caller has seen.
        await _store.AppendTurnsAsync(Id, [user, assistant], CancellationToken.None).ConfigureAwait(false);
        lock (_gate)
        {
            _nextTurnIndex = index + 2;
            Keep(new KeptTurn(question, turn.ImageIds, answer));
            foreach (var id in turn.Reported) _unreported.Remove(id);
            var needed = _kept.SelectMany(k => k.ImageIds)
                .Concat(_images.Values.Where(l => l.NextTurnIndex >= _nextTurnIndex).Select(l => l.Image.Id))
                .ToHashSet(StringComparer.Ordinal);
            foreach (var id in _prepared.Keys.Where(id => !needed.Contains(id)).ToArray())
            {
                _prepared.Remove(id);
                _unreported.Remove(id);
            }
        }
        return assistant;
    }
}
