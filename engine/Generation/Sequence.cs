using System.Diagnostics;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Sampling;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// One request's mutable state inside the worker: its slot, how much of the prompt is in the KV cache, the
/// tokens generated so far. Owned by the worker thread (the scheduler mutates it only from there); the
/// only cross-thread member is <see cref="IsCancellationRequested"/>.
/// </summary>
public sealed class Sequence
{
    private static long _nextId;

    public Sequence(GenerationRequest request, CancellationToken cancellation = default)
    {
        Request = request;
        Cancellation = cancellation;
        History = new TokenHistory(request.Prompt.Ids);
        Random = request.Sampling.Seed is { } seed ? new SamplingRandom(seed) : SamplingRandom.FromEntropy();
        Id = Interlocked.Increment(ref _nextId);
        Clock = Stopwatch.StartNew();
        Constraint = request.Constraint?.NewCursor();
    }

    public long Id { get; }

    public GenerationRequest Request { get; }

    public CancellationToken Cancellation { get; }

    public bool IsCancellationRequested => Cancellation.IsCancellationRequested;

    public SequenceState State { get; internal set; } = SequenceState.Waiting;

    public KvSlot? Slot { get; internal set; }

    /// <summary>Prompt tokens whose keys and values are in the slot.</summary>
    public int PromptProcessed { get; internal set; }

    /// <summary>Prompt tokens that were already resident from the session's previous turn (not prefilled).</summary>
    public int PromptReused { get; internal set; }

    public List<int> Generated { get; } = [];

    public TokenHistory History { get; }

    public SamplingRandom Random { get; }

    /// <summary>Where the output stands in the request's constraint; null when unconstrained.</summary>
    public ConstraintCursor? Constraint { get; }

    /// <summary>Started at submission; timings are read from it.</summary>
    public Stopwatch Clock { get; }

    public TimeSpan? AdmittedAt { get; internal set; }

    public TimeSpan? FirstTokenAt { get; internal set; }

    public int PromptLength => Request.Prompt.Count;

    public int PromptRemaining => PromptLength - PromptProcessed;

    /// <summary>Tokens in the KV cache: the prompt, then every generated token except the newest (which the
    /// next decode step feeds in).</summary>
    public int KvLength => PromptProcessed + Math.Max(Generated.Count - 1, 0);

    /// <summary>The position the next decode step's input token takes, on all three M-RoPE planes.</summary>
    public long NextDecodePosition => KvLength + Request.RopeDelta;
}
