using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Sampling;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// Faults outside the model run (the scheduler refusing to finish a sequence, a slot released twice) must end only
/// the answers they concern, with an error, and the worker must keep serving: before these guards such a fault
/// ended the inference thread, which left every open stream waiting forever and took the process down.
/// </summary>
public sealed class InferenceWorkerFaultTests
{
    private const int Vocab = 50;

    private static GenerationRequest Request(int[] prompt, int maxTokens) => new()
    {
        Prompt = new PromptTokens(prompt),
        PositionIds = new long[3 * prompt.Length],
        RopeDelta = 0,
        MaxTokens = maxTokens,
        Sampling = SamplingParameters.Greedy,
    };

    private static async Task<(List<int> Tokens, GenerationCompleted Done)> Collect(GenerationStream stream)
    {
        var tokens = new List<int>();
        GenerationCompleted? done = null;
        await foreach (var e in stream.ReadAllAsync(CancellationToken.None))
        {
            if (e is TokenGenerated { TokenId: >= 0 } t) tokens.Add(t.TokenId);
            if (e is GenerationCompleted c) done = c;
        }
        return (tokens, done ?? throw new InvalidOperationException("no completion event"));
    }

    private static List<int> Expected(int[] prompt, int count)
    {
        var history = new List<int>(prompt);
        for (var i = 0; i < count; i++) history.Add(ToyModelRunner.NextToken(history, Vocab));
        return history[prompt.Length..];
    }

    [Fact]
    public async Task A_slot_released_twice_fails_only_its_answer_and_the_worker_goes_on()
    {
        var pool = new KvSlotPool(2);
        var runner = new FaultInjectingRunner(new ToyModelRunner(2, Vocab), pool);
        // On the faulty answer's 3rd decode step (its last: max_tokens 4), its slot is released behind the worker's
        // back, so finishing the answer releases it a second time.
        runner.OnDecode = (sequence, _) =>
        {
            if (sequence.Request.Prompt.Ids[0] == 99 && sequence.Generated.Count == 3) pool.Release(sequence.Slot!, null);
        };
        await using var worker = new InferenceWorker(runner, new Scheduler(pool, new SchedulerOptions()), () => new LetterDecoder());

        var healthy = Collect(worker.Submit(Request([1, 2, 3], maxTokens: 12), CancellationToken.None));
        var faulty = worker.Submit(Request([99, 1], maxTokens: 4), CancellationToken.None);

        var error = await Assert.ThrowsAsync<InferenceFaultException>(() => Collect(faulty));
        Assert.Contains("not in use", error.Message);
        var (tokens, done) = await healthy;
        Assert.Equal(Expected([1, 2, 3], 12), tokens);
        Assert.Equal(FinishReason.Length, done.Reason);

        var after = await Collect(worker.Submit(Request([5, 6], maxTokens: 3), CancellationToken.None));
        Assert.Equal(Expected([5, 6], 3), after.Tokens);
        Assert.True(worker.IsRunning);
        Assert.Equal(0, worker.Statistics.Slots.Busy);
        Assert.Equal(1, worker.FaultCount);
    }

    [Fact]
    public async Task A_fault_while_scheduling_fails_what_was_in_flight_and_the_worker_restarts()
    {
        var pool = new KvSlotPool(2);
        var runner = new FaultInjectingRunner(new ToyModelRunner(2, Vocab), pool);
        using var faultyCaller = new CancellationTokenSource();
        // The faulty answer's caller cancels while its slot has been released behind the worker's back: the
        // scheduler's removal of cancelled sequences then releases the slot a second time and throws.
        runner.OnDecode = (sequence, _) =>
        {
            if (sequence.Request.Prompt.Ids[0] != 99 || sequence.Generated.Count != 2) return;
            pool.Release(sequence.Slot!, null);
            faultyCaller.Cancel();
        };
        await using var worker = new InferenceWorker(runner, new Scheduler(pool, new SchedulerOptions()), () => new LetterDecoder());

        var other = worker.Submit(Request([1, 2, 3], maxTokens: 40), CancellationToken.None);
        var faulty = worker.Submit(Request([99, 1], maxTokens: 40), faultyCaller.Token);

        // Neither answer hangs: the fault's own answer ends with the fault, the one that shared the step with it
        // either finished or ended with the same error (the worker restarted).
        await Assert.ThrowsAsync<InferenceFaultException>(() => Collect(faulty));
        try
        {
            var (tokens, _) = await Collect(other);
            Assert.Equal(Expected([1, 2, 3], 40), tokens);
        }
        catch (InferenceFaultException)
        {
        }

        var after = await Collect(worker.Submit(Request([5, 6], maxTokens: 3), CancellationToken.None));
        Assert.Equal(Expected([5, 6], 3), after.Tokens);
        Assert.True(worker.IsRunning);
        Assert.Equal(0, worker.Statistics.Slots.Busy);
        Assert.Equal(0, worker.Statistics.Waiting);
    }

    [Fact]
    public async Task Cancelling_after_the_worker_was_disposed_does_not_throw_from_the_canceller()
    {
        using var caller = new CancellationTokenSource();
        var runner = new ToyModelRunner(1, Vocab);
        var worker = new InferenceWorker(runner, new Scheduler(new KvSlotPool(1), new SchedulerOptions()), () => new LetterDecoder());
        var (tokens, _) = await Collect(worker.Submit(Request([4, 2], maxTokens: 2), caller.Token));
        Assert.Equal(Expected([4, 2], 2), tokens);
        await worker.DisposeAsync();

        // A client that disconnects after its answer ended (and after a shutdown) must not see the worker's
        // disposed wake-up signal throw from its own Cancel().
        var cancel = Record.Exception(caller.Cancel);
        Assert.Null(cancel);
    }

    [Fact]
    public async Task A_finished_answer_leaves_no_callback_on_the_callers_token()
    {
        using var caller = new CancellationTokenSource();
        var runner = new ToyModelRunner(1, Vocab);
        await using var worker = new InferenceWorker(runner, new Scheduler(new KvSlotPool(1), new SchedulerOptions()), () => new LetterDecoder());
        var wakes = worker.WakeCount;
        await Collect(worker.Submit(Request([4, 2], maxTokens: 2), caller.Token));
        var afterAnswer = worker.WakeCount;
        caller.Cancel();

        // The submission woke the loop once; cancelling a token whose answer already ended wakes nothing.
        Assert.Equal(wakes + 1, afterAnswer);
        Assert.Equal(afterAnswer, worker.WakeCount);
    }

    /// <summary>Runs the toy model, but lets a test act on the worker's state from inside a decode step (the way a
    /// buggy runner or scheduler change would).</summary>
    private sealed class FaultInjectingRunner(ToyModelRunner inner, KvSlotPool pool) : IModelRunner
    {
        public Action<Sequence, KvSlotPool>? OnDecode { get; set; }

        public int VocabSize => inner.VocabSize;

        public void Prefill(Sequence sequence, int start, int count, Span<float> lastLogits) => inner.Prefill(sequence, start, count, lastLogits);

        public void Decode(IReadOnlyList<Sequence> batch, Span<float> logits)
        {
            inner.Decode(batch, logits);
            foreach (var sequence in batch) OnDecode?.Invoke(sequence, pool);
        }

        public void Dispose() => inner.Dispose();
    }
}
