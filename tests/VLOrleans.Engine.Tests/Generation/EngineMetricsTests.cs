using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Generation.Telemetry;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The worker records every generation once, as it ends, on its engine's meter: what a listener on that meter (and
/// only that one — other tests' workers run beside) hears for answers that stop, run out of tokens, are cancelled or fail.
/// </summary>
public sealed class EngineMetricsTests
{
    private const int Vocab = 50;

    [Fact]
    public async Task Each_answer_is_recorded_once_with_its_reason_tokens_and_timings()
    {
        var runner = new ToyModelRunner(1, Vocab) { DecodeGate = new ManualResetEventSlim(false), GateAtDecodeRun = 3 };
        await using var worker = new InferenceWorker(runner, new Scheduler(new KvSlotPool(1), new SchedulerOptions()), () => new LetterDecoder());
        using var heard = new Recorder(worker.Metrics.Meter);

        // cancelled in its 3rd decode run (the gate holds the worker there): tokens from the prefill and runs 1-3
        using var cts = new CancellationTokenSource();
        var cancelling = Count(worker.Submit(Request([1, 2, 3], 200), cts.Token));
        Assert.True(runner.ReachedDecodeGate.Wait(TimeSpan.FromSeconds(30)));
        cts.Cancel();
        runner.DecodeGate.Set();
        var cancelledTokens = await cancelling;
        // cut by max_tokens: 5 tokens
        Assert.Equal(5, await Count(worker.Submit(Request([4, 5], 5))));
        // a stop token: the toy model's 3rd token for this prompt ends the answer after 3 tokens
        int[] prompt = [6, 7, 8, 9];
        var greedy = Greedy(prompt, 3);
        Assert.Equal(3, greedy.IndexOf(greedy[2]) + 1); // its first two tokens differ from the third
        Assert.Equal(3, await Count(worker.Submit(Request(prompt, 10) with { StopTokenIds = [greedy[2]] })));

        Assert.Equal(new[] { "cancelled", "length", "stop" }, heard.Of("vlo_generations").Select(m => m.Reason).Order());
        Assert.All(heard.Of("vlo_generations"), m => Assert.Equal(1, m.Value));
        Assert.Equal(3 + 2 + 4, heard.Of("vlo_prompt_tokens").Sum(m => m.Value));
        Assert.Equal(cancelledTokens + 5 + 3, heard.Of("vlo_completion_tokens").Sum(m => m.Value));
        // Timings only for the answers that were not cancelled.
        Assert.Equal(2, heard.Of("vlo_time_to_first_token").Count);
        Assert.Equal(2, heard.Of("vlo_request_latency").Count);
        Assert.Equal(2, heard.Of("vlo_queue_wait").Count);
        Assert.All(heard.Of("vlo_time_to_first_token"), m => Assert.True(m.Value >= 0));
        Assert.Equal(new CompletionTotals(3, 2, heard.Of("vlo_time_to_first_token").Sum(m => m.Value)), worker.Metrics.Totals);
    }

    [Fact]
    public async Task A_failed_answer_counts_as_an_error_and_the_gauges_read_the_worker()
    {
        var runner = new ToyModelRunner(2, Vocab) { FailDecodeFor = s => s.Request.Prompt.Ids[0] == 99 };
        await using var worker = new InferenceWorker(runner, new Scheduler(new KvSlotPool(2), new SchedulerOptions { MaxWaiting = 7 }), () => new LetterDecoder());
        using var heard = new Recorder(worker.Metrics.Meter);

        await Assert.ThrowsAnyAsync<Exception>(() => Count(worker.Submit(Request([99, 1], 5))));
        Assert.Equal(4, await Count(worker.Submit(Request([1, 2, 3], 4))));

        Assert.Equal(new[] { "error", "length" }, heard.Of("vlo_generations").Select(m => m.Reason).Order());
        heard.Collect();
        Assert.Equal(4 + 1, heard.Last("vlo_tokens_generated")); // the failed answer's prefill sampled one token before its decode failed
        Assert.Equal(2 + 3, heard.Last("vlo_prompt_tokens_prefilled"));
        Assert.Equal(2, heard.Last("vlo_kv_slots"));
        Assert.Equal(0, heard.Last("vlo_kv_slots_active"));
        Assert.Equal(7, heard.Last("vlo_queue_capacity"));
        Assert.Equal(0, heard.Last("vlo_queue_depth"));
    }

    private static GenerationRequest Request(int[] prompt, int maxTokens) => new()
    {
        Prompt = new PromptTokens(prompt),
        PositionIds = new long[3 * prompt.Length],
        RopeDelta = 0,
        MaxTokens = maxTokens,
        Sampling = SamplingParameters.Greedy,
    };

    /// <summary>What greedy decoding of the toy model gives, from its definition.</summary>
    private static List<int> Greedy(int[] prompt, int count)
    {
        var history = new List<int>(prompt);
        for (var i = 0; i < count; i++) history.Add(ToyModelRunner.NextToken(history, Vocab));
        return history[prompt.Length..];
    }

    /// <summary>Reads a stream to its end; the number of tokens it carried.</summary>
    private static async Task<int> Count(GenerationStream stream)
    {
        var tokens = 0;
        await foreach (var e in stream.ReadAllAsync())
        {
            if (e is TokenGenerated { TokenId: >= 0 }) tokens++;
        }
        return tokens;
    }

    private sealed record Measured(string Instrument, double Value, string? Reason);

    /// <summary>Hears the measurements of one meter instance's instruments.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measured> _heard = new();

        public Recorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        public IReadOnlyList<Measured> Of(string instrument) => _heard.Where(m => m.Instrument == instrument).ToArray();

        /// <summary>The latest value an observable instrument gave (after <see cref="Collect"/>).</summary>
        public double Last(string instrument) => Of(instrument)[^1].Value;

        public void Collect() => _listener.RecordObservableInstruments();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason") reason = tag.Value as string;
            }
            _heard.Enqueue(new Measured(instrument.Name, value, reason));
        }

        public void Dispose() => _listener.Dispose();
    }
}
