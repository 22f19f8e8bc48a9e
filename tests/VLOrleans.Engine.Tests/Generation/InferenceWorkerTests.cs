using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Sampling;

namespace VLOrleans.Engine.Tests.Generation;

public sealed class InferenceWorkerTests
{
    private const int Vocab = 50;

    private static GenerationRequest Request(int[] prompt, int maxTokens = 8, string? session = null, SamplingParameters? sampling = null) => new()
    {
        SessionKey = session,
        Prompt = new PromptTokens(prompt),
        PositionIds = new long[3 * prompt.Length],
        RopeDelta = -3,
        MaxTokens = maxTokens,
        Sampling = sampling ?? SamplingParameters.Greedy,
    };

    /// <summary>What greedy decoding of the toy model must give, computed straight from its definition.</summary>
    private static List<int> Expected(int[] prompt, int count)
    {
        var history = new List<int>(prompt);
        var output = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var next = ToyModelRunner.NextToken(history, Vocab);
            output.Add(next);
            history.Add(next);
        }
        return output;
    }

    private static (InferenceWorker Worker, ToyModelRunner Runner) Make(int slots = 4, int chunk = 3, int maxWaiting = 16, int maxLength = 256)
    {
        var runner = new ToyModelRunner(slots, Vocab);
        var scheduler = new Scheduler(new KvSlotPool(slots), new SchedulerOptions { PrefillChunkTokens = chunk, MaxWaiting = maxWaiting, MaxSequenceLength = maxLength });
        return (new InferenceWorker(runner, scheduler, () => new LetterDecoder()), runner);
    }

    private static async Task<(List<int> Tokens, string Text, GenerationCompleted Done)> Collect(GenerationStream stream)
    {
        var tokens = new List<int>();
        var text = "";
        GenerationCompleted? done = null;
        await foreach (var e in stream.ReadAllAsync())
        {
            switch (e)
            {
                case TokenGenerated t when t.TokenId >= 0:
                    tokens.Add(t.TokenId);
                    text += t.TextDelta;
                    break;
                case TokenGenerated t:
                    text += t.TextDelta;
                    break;
                case GenerationCompleted c:
                    done = c;
                    break;
            }
        }
        return (tokens, text, done ?? throw new InvalidOperationException("no completion event"));
    }

    [Fact]
    public async Task Greedy_output_equals_the_model_run_token_by_token()
    {
        var (worker, _) = Make();
        await using var _w = worker;
        int[] prompt = [5, 9, 2, 7, 1, 3, 3];
        var (tokens, text, done) = await Collect(worker.Submit(Request(prompt, maxTokens: 10)));
        Assert.Equal(Expected(prompt, 10), tokens);
        Assert.Equal(string.Concat(tokens.Select(t => (char)('a' + t % 26))), text);
        Assert.Equal(FinishReason.Length, done.Reason);
        Assert.Equal(new GenerationUsage(7, 0, 10), done.Usage);
    }

    [Fact]
    public async Task Concurrent_sequences_of_different_lengths_batch_and_each_equals_its_solo_run()
    {
        var (worker, runner) = Make(slots: 4, chunk: 2);
        await using var _w = worker;
        runner.DecodeDelay = TimeSpan.FromMilliseconds(2);
        var prompts = new[] { new[] { 1, 2, 3 }, new[] { 4, 5, 6, 7, 8, 9, 10, 11 }, new[] { 12 }, new[] { 13, 14, 15, 16, 17 } };
        var lengths = new[] { 12, 5, 20, 9 };
        // Submitted together, they still join at different steps (one prefill chunk per step) and leave at different lengths.
        var tasks = new List<Task<(List<int>, string, GenerationCompleted)>>();
        for (var i = 0; i < prompts.Length; i++)
        {
            tasks.Add(Collect(worker.Submit(Request(prompts[i], lengths[i]))));
        }
        var results = await Task.WhenAll(tasks);
        for (var i = 0; i < prompts.Length; i++) Assert.Equal(Expected(prompts[i], lengths[i]), results[i].Item1);
        Assert.True(runner.MaxDecodeBatch >= 2, "sequences should have decoded together");
        Assert.Equal(0, worker.Statistics.Slots.Busy);
    }

    [Fact]
    public async Task Stop_token_ends_the_answer_and_is_not_in_the_text()
    {
        var (worker, _) = Make();
        await using var _w = worker;
        int[] prompt = [5, 9, 2];
        var expected = Expected(prompt, 6);
        var request = Request(prompt, maxTokens: 6) with { StopTokenIds = [expected[3]] };
        var (tokens, text, done) = await Collect(worker.Submit(request));
        Assert.Equal(FinishReason.Stop, done.Reason);
        Assert.Equal(expected[..4], tokens);
        Assert.Equal(string.Concat(expected[..3].Select(t => (char)('a' + t % 26))), text);
    }

    [Fact]
    public async Task Ignoring_stop_tokens_generates_exactly_max_tokens()
    {
        var (worker, _) = Make();
        await using var _w = worker;
        int[] prompt = [5, 9, 2];
        var expected = Expected(prompt, 6);
        var request = Request(prompt, maxTokens: 6) with { StopTokenIds = [expected[1]], IgnoreStopTokens = true };
        var (tokens, _, done) = await Collect(worker.Submit(request));
        Assert.Equal(expected, tokens);
        Assert.Equal(FinishReason.Length, done.Reason);
    }

    [Fact]
    public async Task Stop_string_cuts_the_text_before_it()
    {
        var (worker, _) = Make();
        await using var _w = worker;
        int[] prompt = [5, 9, 2];
        var letters = string.Concat(Expected(prompt, 8).Select(t => (char)('a' + t % 26)));
        var stop = letters.Substring(4, 2);
        var cut = letters.IndexOf(stop, StringComparison.Ordinal);
        var (_, text, done) = await Collect(worker.Submit(Request(prompt, maxTokens: 8) with { StopStrings = [stop] }));
        Assert.Equal(FinishReason.Stop, done.Reason);
        Assert.Equal(letters[..cut], text);
    }

    [Fact]
    public async Task Second_turn_of_a_session_prefills_only_its_new_tokens()
    {
        var (worker, runner) = Make(slots: 2, chunk: 100);
        await using var _w = worker;
        int[] turn1 = [1, 2, 3, 4, 5, 6];
        var (answer, _, done1) = await Collect(worker.Submit(Request(turn1, maxTokens: 4, session: "s")));
        Assert.Equal(6, runner.PrefilledTokens);
        Assert.Equal(0, done1.Usage.ReusedPromptTokens);

        // Turn 2 = turn 1 + its answer + 3 new tokens. KV holds turn1 + answer[..^1] (the newest was never fed).
        int[] turn2 = [.. turn1, .. answer, 40, 41, 42];
        var (tokens, _, done2) = await Collect(worker.Submit(Request(turn2, maxTokens: 5, session: "s")));
        Assert.Equal(Expected(turn2, 5), tokens);
        Assert.Equal(6 + 3, done2.Usage.ReusedPromptTokens);
        Assert.Equal(6 + 4, runner.PrefilledTokens); // answer[^1] + 3 new
    }

    [Fact]
    public async Task Cancelling_mid_stream_frees_the_slot()
    {
        var (worker, runner) = Make(slots: 1);
        await using var _w = worker;
        // Hold the worker inside its 3rd decode run, cancel there, then let it go on.
        runner.DecodeGate = new ManualResetEventSlim(false);
        runner.GateAtDecodeRun = 3;
        using var cts = new CancellationTokenSource();
        var stream = worker.Submit(Request([1, 2, 3], maxTokens: 200), cts.Token);
        var collecting = Collect(stream);
        Assert.True(runner.ReachedDecodeGate.Wait(TimeSpan.FromSeconds(30)));
        cts.Cancel();
        runner.DecodeGate.Set();
        var (tokens, _, done) = await collecting;
        Assert.Equal(FinishReason.Cancelled, done.Reason);
        // prefill gave token 1, decode runs 1–3 gave tokens 2–4; the cancellation is seen before run 4.
        Assert.Equal(4, tokens.Count);
        Assert.Equal(0, worker.Statistics.Slots.Busy);
        // The slot serves the next request.
        var (next, _, _) = await Collect(worker.Submit(Request([7, 8], maxTokens: 3)));
        Assert.Equal(Expected([7, 8], 3), next);
    }

    [Fact]
    public async Task Cancelling_mid_prefill_frees_the_slot()
    {
        var (worker, runner) = Make(slots: 1, chunk: 2);
        await using var _w = worker;
        runner.PrefillGate = new ManualResetEventSlim(false);
        using var cts = new CancellationTokenSource();
        var stream = worker.Submit(Request(Enumerable.Range(1, 10).ToArray(), maxTokens: 5), cts.Token);
        while (worker.Statistics.Slots.Busy == 0) await Task.Delay(1);
        cts.Cancel();
        runner.PrefillGate.Set();
        var (tokens, _, done) = await Collect(stream);
        Assert.Equal(FinishReason.Cancelled, done.Reason);
        Assert.Empty(tokens);
        Assert.True(runner.PrefilledTokens < 10);
        Assert.Equal(0, worker.Statistics.Slots.Busy);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once()
    {
        var (worker, runner) = Make(slots: 1, maxWaiting: 1);
        await using var _w = worker;
        runner.PrefillGate = new ManualResetEventSlim(false);
        var running = worker.Submit(Request([1, 2], maxTokens: 2));
        while (worker.Statistics.Slots.Busy == 0) await Task.Delay(1);
        var waiting = worker.Submit(Request([3, 4], maxTokens: 2));
        var e = Assert.Throws<GenerationRejectedException>(() => worker.Submit(Request([5, 6], maxTokens: 2)));
        Assert.Equal("queue_full", e.Code);
        runner.PrefillGate.Set();
        Assert.Equal(FinishReason.Length, (await Collect(running)).Done.Reason);
        Assert.Equal(FinishReason.Length, (await Collect(waiting)).Done.Reason);
    }

    [Fact]
    public async Task Too_long_a_request_is_refused_with_its_numbers()
    {
        var (worker, _) = Make(maxLength: 16);
        await using var _w = worker;
        var e = Assert.Throws<GenerationRejectedException>(() => worker.Submit(Request(Enumerable.Range(0, 10).ToArray(), maxTokens: 7)));
        Assert.Equal("context_length_exceeded", e.Code);
        Assert.Contains("10 tokens", e.Message);
        Assert.Contains("16", e.Message);
    }

    [Fact]
    public async Task A_device_error_fails_only_that_request_and_the_worker_goes_on()
    {
        var (worker, runner) = Make(slots: 2);
        await using var _w = worker;
        runner.FailDecodeFor = s => s.Request.Prompt.Ids[0] == 99;
        var failing = worker.Submit(Request([99, 1], maxTokens: 5));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(failing));
        runner.FailDecodeFor = null;
        var (tokens, _, _) = await Collect(worker.Submit(Request([1, 2], maxTokens: 3)));
        Assert.Equal(Expected([1, 2], 3), tokens);
        Assert.True(worker.IsRunning);
    }

    [Fact]
    public async Task A_fault_while_accepting_a_token_fails_only_that_request()
    {
        var runner = new ToyModelRunner(2, Vocab);
        var scheduler = new Scheduler(new KvSlotPool(2), new SchedulerOptions());
        var bad = Expected([99, 1], 1)[0];
        await using var worker = new InferenceWorker(runner, scheduler, () => new ThrowingDecoder(bad));
        var failing = worker.Submit(Request([99, 1], maxTokens: 5));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(failing));
        var fine = await Collect(worker.Submit(Request([1, 2], maxTokens: 1)));
        Assert.Equal(FinishReason.Length, fine.Done.Reason);
        Assert.True(worker.IsRunning);
        Assert.Equal(0, worker.Statistics.Slots.Busy);
    }

    private sealed class ThrowingDecoder(int badToken) : ITokenStreamDecoder
    {
        public string Push(int tokenId) => tokenId == badToken ? throw new InvalidOperationException("cannot decode") : "x";

        public string Flush() => "";
    }

    [Fact]
    public async Task Seeded_sampling_is_reproducible_across_batch_compositions()
    {
        var sampling = new SamplingParameters { Temperature = 1f, Seed = 1234 };
        var (worker, _) = Make(slots: 4);
        await using var _w = worker;
        var alone = (await Collect(worker.Submit(Request([3, 1, 4], maxTokens: 12, sampling: sampling)))).Tokens;
        var crowd = Enumerable.Range(0, 3).Select(i => Collect(worker.Submit(Request([9, 9, i], maxTokens: 12, sampling: sampling with { Seed = (ulong)i })))).ToList();
        var again = await Collect(worker.Submit(Request([3, 1, 4], maxTokens: 12, sampling: sampling)));
        await Task.WhenAll(crowd);
        Assert.Equal(alone, again.Tokens);
        // The toy model's runner-up has probability e^6/(e^8+e^6+48) ≈ 0.12, so 12 seeded draws almost surely differ from greedy somewhere.
        Assert.NotEqual(Expected([3, 1, 4], 12), alone);
    }
}
