using VLOrleans.Engine.Generation;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// A deterministic stand-in for the ONNX runner: the "model" is a pure function of the whole token history
/// (<see cref="NextToken"/>), and each slot's "KV cache" is the list of tokens fed into it. Every call checks
/// that the slot holds exactly what the worker claims (prefix reuse, decode positions), so bookkeeping
/// mistakes fail loudly instead of silently giving other tokens.
/// </summary>
internal sealed class ToyModelRunner(int slots, int vocab = 50) : IModelRunner
{
    private readonly List<int>[] _kv = Enumerable.Range(0, slots).Select(_ => new List<int>()).ToArray();

    public int VocabSize => vocab;

    public int PrefilledTokens { get; private set; }

    public int DecodeRuns { get; private set; }

    public int MaxDecodeBatch { get; private set; }

    /// <summary>When set, Prefill blocks until it is signalled (to cancel or queue mid-prefill).</summary>
    public ManualResetEventSlim? PrefillGate { get; set; }

    public Func<Sequence, bool>? FailDecodeFor { get; set; }

    /// <summary>Time each decode step takes, so requests overlap in tests.</summary>
    public TimeSpan DecodeDelay { get; set; }

    /// <summary>When set, the decode run numbered <see cref="GateAtDecodeRun"/> blocks until the gate is signalled.</summary>
    public ManualResetEventSlim? DecodeGate { get; set; }

    public int GateAtDecodeRun { get; set; }

    /// <summary>Signalled when the worker reaches the gated decode run.</summary>
    public ManualResetEventSlim ReachedDecodeGate { get; } = new(false);

    /// <summary>The toy model: a peaked distribution over a token derived from the history.</summary>
    public static int NextToken(IReadOnlyList<int> history, int vocab)
    {
        long h = 17;
        foreach (var t in history) h = (h * 31 + t) % 1_000_003;
        return (int)(h % vocab);
    }

    private void WriteLogits(List<int> history, Span<float> logits)
    {
        logits.Clear();
        var next = NextToken(history, vocab);
        logits[next] = 8f;
        logits[(next + 1) % vocab] = 6f; // a runner-up, so sampling has something to choose
    }

    public void Prefill(Sequence sequence, int start, int count, Span<float> lastLogits)
    {
        PrefillGate?.Wait();
        var kv = _kv[sequence.Slot!.Index];
        if (kv.Count < start) throw new InvalidOperationException($"slot {sequence.Slot.Index} holds {kv.Count} tokens, worker claims {start}");
        var prompt = sequence.Request.Prompt.Ids;
        for (var i = 0; i < start; i++)
        {
            if (kv[i] != prompt[i]) throw new InvalidOperationException($"slot {sequence.Slot.Index} reused token {i} differs");
        }
        kv.RemoveRange(start, kv.Count - start);
        kv.AddRange(prompt.AsSpan(start, count));
        PrefilledTokens += count;
        if (!lastLogits.IsEmpty) WriteLogits(kv, lastLogits);
    }

    public void Decode(IReadOnlyList<Sequence> batch, Span<float> logits)
    {
        DecodeRuns++;
        if (DecodeDelay > TimeSpan.Zero) Thread.Sleep(DecodeDelay);
        if (DecodeGate is not null && DecodeRuns == GateAtDecodeRun)
        {
            ReachedDecodeGate.Set();
            DecodeGate.Wait();
        }
        MaxDecodeBatch = Math.Max(MaxDecodeBatch, batch.Count);
        for (var row = 0; row < batch.Count; row++)
        {
            var sequence = batch[row];
            if (FailDecodeFor?.Invoke(sequence) == true) throw new InvalidOperationException("device error (injected)");
            var kv = _kv[sequence.Slot!.Index];
            if (kv.Count != sequence.KvLength) throw new InvalidOperationException($"slot holds {kv.Count}, sequence says {sequence.KvLength}");
            if (sequence.NextDecodePosition != kv.Count + sequence.Request.RopeDelta) throw new InvalidOperationException("wrong decode position");
            kv.Add(sequence.Generated[^1]);
            WriteLogits(kv, logits.Slice(row * vocab, vocab));
        }
    }

    public void Dispose() { }
}

/// <summary>Token id → one letter, so text assertions are readable.</summary>
internal sealed class LetterDecoder : ITokenStreamDecoder
{
    public string Push(int tokenId) => ((char)('a' + tokenId % 26)).ToString();

    public string Flush() => "";
}
