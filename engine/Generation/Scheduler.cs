using VLOrleans.Engine.Generation.Kv;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// Decides each loop step's work (continuous batching): admits waiting sequences into free KV slots, decodes
/// one token for every generating sequence, and spends a bounded budget on one prefill chunk, first come
/// first served. Owns the waiting queue and the running set; <see cref="TryEnqueue"/> may be called from any
/// thread, everything else from the worker thread only.
/// </summary>
public sealed class Scheduler(KvSlotPool slots, SchedulerOptions options)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _prefilling = [];
    private readonly List<Sequence> _decoding = [];

    public SchedulerOptions Options { get; } = options;

    public KvSlotPool Slots { get; } = slots;

    public int WaitingCount
    {
        get
        {
            lock (_gate) return _waiting.Count;
        }
    }

    public int RunningCount => _prefilling.Count + _decoding.Count;

    /// <summary>Queues a sequence; false (refuse at once) when the waiting queue is full.</summary>
    public bool TryEnqueue(Sequence sequence)
    {
        lock (_gate)
        {
            if (_waiting.Count >= Options.MaxWaiting) return false;
            _waiting.AddLast(sequence);
            return true;
        }
    }

    /// <summary>Plans the next step. Sequences whose caller cancelled are removed first and returned through <paramref name="cancelled"/>.</summary>
    public StepPlan Schedule(List<Sequence> cancelled)
    {
        RemoveCancelled(cancelled);

        // admission: waiting → a slot (FIFO; stop at the first that cannot get one)
        lock (_gate)
        {
            while (_waiting.First is { } node)
            {
                var sequence = node.Value;
                if (!Slots.TryAcquire(sequence.Request.SessionKey, sequence.Request.Prompt, out var slot, out var reusable)) break;
                _waiting.RemoveFirst();
                sequence.Slot = slot;
                sequence.PromptProcessed = reusable;
                sequence.PromptReused = reusable;
                sequence.State = SequenceState.Prefilling;
                sequence.AdmittedAt = sequence.Clock.Elapsed;
                _prefilling.Add(sequence);
            }
        }

        // decode: every sequence that has its first token
        var decode = _decoding.ToArray();

        // prefill: one bounded chunk of the oldest admitted prompt
        if (_prefilling.Count == 0) return new StepPlan(decode, null, 0, 0);
        var next = _prefilling[0];
        var count = Math.Min(next.PromptRemaining, Options.PrefillChunkTokens);
        return new StepPlan(decode, next, next.PromptProcessed, count);
    }

    /// <summary>Records that a prefill chunk ran; a sequence whose prompt is complete starts decoding
    /// (its first token is sampled from that chunk's logits by the caller).</summary>
    public void CompletePrefillChunk(StepPlan plan)
    {
        var sequence = plan.Prefill ?? throw new InvalidOperationException("the plan has no prefill");
        sequence.PromptProcessed += plan.PrefillCount;
        if (sequence.PromptRemaining > 0) return;
        _prefilling.Remove(sequence);
        sequence.State = SequenceState.Decoding;
        _decoding.Add(sequence);
    }

    /// <summary>Ends a sequence: its slot keeps <paramref name="resident"/> for the session's next turn (or is wiped when null).
    /// The sequence is retired even when the pool refuses its slot (e.g. released twice); that error is rethrown.</summary>
    public void Finish(Sequence sequence, PromptTokens? resident)
    {
        _prefilling.Remove(sequence);
        _decoding.Remove(sequence);
        var slot = sequence.Slot;
        sequence.Slot = null;
        sequence.State = SequenceState.Finished;
        if (slot is not null) Slots.Release(slot, resident);
    }

    /// <summary>Finishes every sequence (worker shutting down or failed) and returns them.</summary>
    public List<Sequence> DrainAll()
    {
        var all = new List<Sequence>(_prefilling.Concat(_decoding));
        lock (_gate)
        {
            all.AddRange(_waiting);
            _waiting.Clear();
        }
        foreach (var sequence in all)
        {
            try
            {
                Finish(sequence, null);
            }
            catch (InvalidOperationException)
            {
                // a slot the pool no longer counts as busy: the sequence is retired all the same
            }
        }
        return all;
    }

    private void RemoveCancelled(List<Sequence> cancelled)
    {
        lock (_gate)
        {
            for (var node = _waiting.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.IsCancellationRequested)
                {
                    _waiting.Remove(node);
                    node.Value.State = SequenceState.Finished;
                    cancelled.Add(node.Value);
                }
                node = next;
            }
        }
        foreach (var sequence in _prefilling.Concat(_decoding).Where(s => s.IsCancellationRequested).ToArray())
        {
            Finish(sequence, null);
            cancelled.Add(sequence);
        }
    }
}
