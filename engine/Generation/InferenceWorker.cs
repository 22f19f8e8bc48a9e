using System.Threading.Channels;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Generation.Telemetry;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// One per device: owns the model runner and runs the loop. Each step decodes one token for every generating
/// sequence in one batched run and prefills one bounded chunk of a waiting prompt (continuous batching).
/// Vision never runs here — requests arrive with their images already encoded — so a new image never stalls
/// other streams. Submission is thread-safe; everything else runs on the worker's own thread.
/// </summary>
public sealed class InferenceWorker : IAsyncDisposable
{
    private readonly IModelRunner _runner;
    private readonly Scheduler _scheduler;
    private readonly Func<ITokenStreamDecoder> _newDecoder;
    private readonly TokenSampler _sampler = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<long, SequenceOutput> _outputs = [];
    private readonly Lock _outputsGate = new();
    private readonly Thread _thread;
    private readonly bool _ownsMetrics;
    private float[] _logits = [];
    private long _steps;
    private long _tokensGenerated;
    private long _promptTokensPrefilled;
    private long _faults;
    private long _wakes;
    private int _disposed;

    /// <param name="metrics">Where finished generations are recorded and the worker's gauges live (the engine's);
    /// without one the worker makes its own and disposes it.</param>
    public InferenceWorker(IModelRunner runner, Scheduler scheduler, Func<ITokenStreamDecoder> newDecoder, EngineMetrics? metrics = null)
    {
        _runner = runner;
        _scheduler = scheduler;
        _newDecoder = newDecoder;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new EngineMetrics();
        EngineGauges.ObserveWorker(Metrics.Meter, this);
        _thread = new Thread(Loop) { IsBackground = true, Name = "vlo-inference" };
        _thread.Start();
    }

    public Scheduler Scheduler => _scheduler;

    /// <summary>Where every generation this worker ends is recorded, once, as it ends.</summary>
    public EngineMetrics Metrics { get; }

    public WorkerStatistics Statistics => new(
        Interlocked.Read(ref _steps), Interlocked.Read(ref _tokensGenerated), Interlocked.Read(ref _promptTokensPrefilled),
        _scheduler.WaitingCount, _scheduler.Slots.Statistics);

    /// <summary>Faults the worker survived (each ended the answers it concerned with an <see cref="InferenceFaultException"/>).</summary>
    public long FaultCount => Interlocked.Read(ref _faults);

    /// <summary>Times the loop was signalled: one per submission, plus one per caller cancelling a live answer.</summary>
    public long WakeCount => Interlocked.Read(ref _wakes);

    /// <summary>True while the loop thread runs (readiness).</summary>
    public bool IsRunning => _thread.IsAlive && !_stop.IsCancellationRequested;

    /// <summary>
    /// Queues a request. Throws <see cref="GenerationRejectedException"/> at once when it cannot run: the
    /// waiting queue is full (<c>queue_full</c>), or prompt + answer cannot fit a slot (<c>context_length_exceeded</c>).
    /// </summary>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        var sequence = new Sequence(request, cancellationToken);
        var channel = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Wake the loop when the caller cancels, so a cancelled answer frees its place promptly. The registration lives
        // exactly as long as the answer (disposed when its output is taken): callers' tokens often outlive the answer.
        var onCancel = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((InferenceWorker)s!).Wake(), this) : default;
        var output = new SequenceOutput(sequence, channel.Writer, _newDecoder(), new StopStringMatcher(request.StopStrings), onCancel);
        lock (_outputsGate) _outputs[sequence.Id] = output;
        if (!_scheduler.TryEnqueue(sequence))
        {
            lock (_outputsGate) _outputs.Remove(sequence.Id);
            onCancel.Dispose();
            throw new GenerationRejectedException(GenerationRejection.QueueFull, $"The server is busy: {_scheduler.Options.MaxWaiting} requests are already waiting. Retry shortly.");
        }
        Wake();
        return new GenerationStream(sequence.Id, channel.Reader);
    }

    private void Validate(GenerationRequest request)
    {
        request.Sampling.Validate();
        if (request.Prompt.Count == 0) throw new GenerationRejectedException(GenerationRejection.EmptyPrompt, "The prompt is empty.");
        if (request.MaxTokens < 1) throw new GenerationRejectedException(GenerationRejection.InvalidMaxTokens, "max_tokens must be at least 1.");
        if (request.PositionIds.Length != 3 * request.Prompt.Count)
            throw new ArgumentException($"PositionIds must hold 3 × {request.Prompt.Count} values", nameof(request));
        if (request.Constraint is { } constraint && constraint.MinTokens > request.MaxTokens)
        {
            throw new GenerationRejectedException(GenerationRejection.MaxTokensTooSmall,
                $"The requested output format needs at least {constraint.MinTokens} tokens, but max_tokens is {request.MaxTokens}.");
        }
        var limit = _scheduler.Options.MaxSequenceLength;
        if (request.Prompt.Count + request.MaxTokens > limit)
        {
            throw new GenerationRejectedException(GenerationRejection.ContextLengthExceeded,
                $"The prompt has {request.Prompt.Count} tokens and asks for up to {request.MaxTokens} more, but a conversation can hold at most {limit}. Shorten the conversation or lower max_tokens.");
        }
    }

    /// <summary>Signals the loop; safe from any thread, also after disposal (a late cancellation must not throw from the canceller).</summary>
    private void Wake()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        Interlocked.Increment(ref _wakes);
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // disposed between the check and the release: nothing is left to wake
        }
    }

    private void Loop()
    {
        var cancelled = new List<Sequence>();
        while (!_stop.IsCancellationRequested)
        {
            cancelled.Clear();
            StepPlan? plan = null;
            try
            {
                plan = _scheduler.Schedule(cancelled);
                foreach (var sequence in cancelled) Complete(sequence, FinishReason.Cancelled, resident: null);
                if (!plan.IsEmpty)
                {
                    Step(plan);
                    Interlocked.Increment(ref _steps);
                    continue;
                }
            }
            catch (Exception fault)
            {
                // The outer guard: a fault here must never end this thread (every open stream would wait forever).
                Recover(fault, plan, cancelled);
                continue;
            }
            try
            {
                _wake.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        FailAll(new OperationCanceledException("the inference worker stopped"));
    }

    /// <summary>
    /// After a fault escaped a loop step: a fault while running a planned step ends that step's answers; a fault
    /// while scheduling leaves the scheduler's state unknown, so the worker restarts — every answer it holds, running
    /// or waiting, ends with the fault and the queues start empty. Either way the loop goes on.
    /// </summary>
    private void Recover(Exception fault, StepPlan? plan, List<Sequence> cancelled)
    {
        Interlocked.Increment(ref _faults);
        foreach (var sequence in cancelled) Complete(sequence, FinishReason.Cancelled, resident: null);
        if (plan is not null)
        {
            var error = new InferenceFaultException("the inference worker failed while running this answer's step", fault);
            foreach (var sequence in plan.Decode) Fail(sequence, error);
            if (plan.Prefill is { } prefill) Fail(prefill, error);
            return;
        }
        FailAll(new InferenceFaultException("the inference worker failed while scheduling and restarted", fault));
    }

    /// <summary>Ends every answer the worker holds with <paramref name="error"/> and empties the scheduler's queues.</summary>
    private void FailAll(Exception error)
    {
        foreach (var sequence in _scheduler.DrainAll()) Fail(sequence, error);
        // Answers the scheduler no longer tracks (a fault interrupted their finishing) still have open streams.
        SequenceOutput[] orphans;
        lock (_outputsGate) orphans = [.. _outputs.Values];
        foreach (var output in orphans) Fail(output.Sequence, error);
    }

    private void Step(StepPlan plan)
    {
        // decode: one token for every generating sequence, in one batched run
        if (plan.Decode.Count > 0)
        {
            var vocab = _runner.VocabSize;
            var logits = Logits(plan.Decode.Count * vocab);
            try
            {
                _runner.Decode(plan.Decode, logits);
            }
            catch (Exception e)
            {
                foreach (var sequence in plan.Decode) Fail(sequence, e);
                return;
            }
            for (var row = 0; row < plan.Decode.Count; row++) AcceptOrFail(plan.Decode[row], logits.Slice(row * vocab, vocab));
        }

        // prefill: one bounded chunk of one prompt
        if (plan.Prefill is { } prefill)
        {
            var logits = plan.PrefillCompletesPrompt ? Logits(_runner.VocabSize) : Span<float>.Empty;
            try
            {
                _runner.Prefill(prefill, plan.PrefillStart, plan.PrefillCount, logits);
            }
            catch (Exception e)
            {
                Fail(prefill, e);
                return;
            }
            Interlocked.Add(ref _promptTokensPrefilled, plan.PrefillCount);
            _scheduler.CompletePrefillChunk(plan);
            if (plan.PrefillCompletesPrompt)
            {
                prefill.FirstTokenAt = prefill.Clock.Elapsed;
                AcceptOrFail(prefill, logits);
            }
        }
    }

    private Span<float> Logits(int length)
    {
        if (_logits.Length < length) _logits = new float[length];
        return _logits.AsSpan(0, length);
    }

    /// <summary>
    /// <see cref="Accept"/>, but a failure (a detokenizer or sampler fault) ends only that sequence, with the error:
    /// an exception escaping this thread would take the whole process and every other session's answer with it.
    /// </summary>
    private void AcceptOrFail(Sequence sequence, ReadOnlySpan<float> logits)
    {
        try
        {
            Accept(sequence, logits);
        }
        catch (Exception e)
        {
            Fail(sequence, e);
        }
    }

    /// <summary>Samples the sequence's next token from its logits, streams it, and ends the sequence when a stop condition holds.</summary>
    private void Accept(Sequence sequence, ReadOnlySpan<float> logits)
    {
        var request = sequence.Request;
        var mask = sequence.Constraint?.Mask(request.MaxTokens - sequence.Generated.Count);
        var sampled = _sampler.Sample(logits, request.Sampling, sequence.History, sequence.Random, request.Logprobs, request.TopLogprobs, mask);
        sequence.Constraint?.Advance(sampled.TokenId);
        sequence.Generated.Add(sampled.TokenId);
        sequence.History.AddOutput(sampled.TokenId);
        Interlocked.Increment(ref _tokensGenerated);
        var output = OutputOf(sequence);

        var isStopToken = !request.IgnoreStopTokens && request.StopTokenIds.Contains(sampled.TokenId);
        var delta = isStopToken ? "" : output.Stops.Push(output.Decoder.Push(sampled.TokenId));
        output.Writer.TryWrite(new TokenGenerated(sampled.TokenId, delta, sampled.Logprob, sampled.TopLogprobs));

        if (isStopToken || (output.Stops.IsStopped && !request.IgnoreStopTokens))
        {
            Complete(sequence, FinishReason.Stop, Resident(sequence));
        }
        else if (sequence.Generated.Count >= request.MaxTokens || sequence.KvLength + 1 >= _scheduler.Options.MaxSequenceLength)
        {
            var tail = output.Stops.Push(output.Decoder.Flush()) + output.Stops.Flush();
            if (tail.Length > 0) output.Writer.TryWrite(new TokenGenerated(-1, tail, float.NaN, null));
            Complete(sequence, FinishReason.Length, Resident(sequence));
        }
    }

    /// <summary>The tokens whose KV the slot now holds: the prompt and every generated token but the newest.</summary>
    private static PromptTokens Resident(Sequence sequence) =>
        sequence.Request.Prompt.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequence.Generated)[..^1]);

    private void Complete(Sequence sequence, FinishReason reason, PromptTokens? resident)
    {
        var output = TakeOutput(sequence);
        var elapsed = sequence.Clock.Elapsed;
        var timings = new GenerationTimings(sequence.AdmittedAt ?? elapsed, sequence.FirstTokenAt ?? elapsed, elapsed);
        var completed = new GenerationCompleted(reason, new GenerationUsage(sequence.PromptLength, sequence.PromptReused, sequence.Generated.Count), timings);
        try
        {
            if (sequence.State != SequenceState.Finished) _scheduler.Finish(sequence, resident);
        }
        catch (Exception fault)
        {
            // The scheduler retired the sequence anyway (Scheduler.Finish); only this answer learns of the fault.
            Interlocked.Increment(ref _faults);
            if (output is null) return;
            Metrics.RecordFailure();
            output.Complete(new InferenceFaultException("the inference worker failed while finishing this answer", fault));
            return;
        }
        if (output is null) return;
        // Recorded once (only the call that took the output), before the caller hears of it: whoever sees the answer
        // end sees it counted.
        Metrics.RecordCompletion(completed);
        output.Writer.TryWrite(completed);
        output.Writer.TryComplete();
    }

    /// <summary>Ends the answer with <paramref name="error"/>. Never throws: it is how faults are contained.</summary>
    private void Fail(Sequence sequence, Exception error)
    {
        var output = TakeOutput(sequence);
        if (output is not null) Metrics.RecordFailure();
        try
        {
            if (sequence.State != SequenceState.Finished) _scheduler.Finish(sequence, null);
        }
        catch (Exception)
        {
            // The scheduler retired the sequence anyway (Scheduler.Finish); the caller learns of the first error.
            Interlocked.Increment(ref _faults);
        }
        output?.Complete(error);
    }

    private SequenceOutput OutputOf(Sequence sequence)
    {
        lock (_outputsGate) return _outputs[sequence.Id];
    }

    /// <summary>Removes the answer's output and disposes its cancellation registration: from here on the caller's
    /// token holds no reference to this worker.</summary>
    private SequenceOutput? TakeOutput(Sequence sequence)
    {
        SequenceOutput? output;
        lock (_outputsGate) output = _outputs.Remove(sequence.Id, out var taken) ? taken : null;
        output?.OnCancel.Dispose();
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _wake.Release();
        await Task.Run(() => _thread.Join()).ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
        if (_ownsMetrics) Metrics.Dispose();
    }

    private sealed record SequenceOutput(Sequence Sequence, ChannelWriter<GenerationEvent> Writer, ITokenStreamDecoder Decoder, StopStringMatcher Stops,
        CancellationTokenRegistration OnCancel)
    {
        /// <summary>Ends the stream with the error.</summary>
        public void Complete(Exception error) => Writer.TryComplete(error);
    }
}

/// <summary>Counters for /metrics and the status endpoint.</summary>
public readonly record struct WorkerStatistics(long Steps, long TokensGenerated, long PromptTokensPrefilled, int Waiting, KvPoolStatistics Slots);
