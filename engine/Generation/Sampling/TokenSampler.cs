using System.Numerics.Tensors;

namespace VLOrleans.Engine.Generation.Sampling;

/// <summary>
/// Chooses the next token from a row of logits. Work is O(vocabulary) per token with no sort of the whole
/// vocabulary: top-k and top-p use selection (a full sort of 151,936 floats costs ~8 ms, which at 8
/// sequences × 20 tokens/s would be more than the decode itself). Scratch buffers are reused, so one
/// instance belongs to one thread (the inference worker); it holds no per-sequence state.
/// </summary>
public sealed class TokenSampler
{
    // Below this many candidates a plain sort is cheaper than further partitioning.
    private const int SortThreshold = 64;

    private float[] _logits = [];
    private float[] _weights = [];
    private int[] _candidates = [];

    /// <summary>
    /// Samples one token. The log-probability costs one more pass over the vocabulary, so it is computed only
    /// when <paramref name="includeLogprobs"/> is set (otherwise <see cref="SampledToken.Logprob"/> is NaN);
    /// <paramref name="topLogprobs"/> &gt; 0 also returns that many alternatives.
    /// </summary>
    /// <param name="allowed">Constrained decoding: only these tokens may be chosen (the others' logits become −∞ before
    /// penalties and filters; reported log-probabilities stay the model's own).</param>
    public SampledToken Sample(ReadOnlySpan<float> logits, SamplingParameters parameters, TokenHistory? history, SamplingRandom random,
        bool includeLogprobs = false, int topLogprobs = 0, Constraints.TokenMask? allowed = null)
    {
        var vocab = logits.Length;
        if (vocab == 0) throw new ArgumentException("no logits", nameof(logits));
        EnsureCapacity(vocab);
        var work = _logits.AsSpan(0, vocab);
        logits.CopyTo(work);
        if (allowed is not null)
        {
            if (allowed.AllowedCount == 0) throw new InvalidOperationException("the output constraint allows no token here");
            allowed.Apply(work);
        }

        // penalties (on the logits, before temperature)
        if (history is not null) ApplyPenalties(work, parameters, history);

        // choice
        int token;
        if (parameters.IsGreedy)
        {
            token = TensorPrimitives.IndexOfMax(work);
        }
        else
        {
            token = SampleFiltered(work, parameters, random);
        }

        if (!includeLogprobs && topLogprobs <= 0) return new SampledToken(token, float.NaN, null);

        // log-probabilities of the model's own distribution (raw logits), as OpenAI's API reports them
        var logNormalizer = LogSumExp(logits, _weights.AsSpan(0, vocab));
        var chosen = logits[token] - logNormalizer;
        TokenLogprob[]? alternatives = null;
        if (topLogprobs > 0) alternatives = TopLogprobs(logits, logNormalizer, Math.Min(topLogprobs, vocab));
        return new SampledToken(token, (float)chosen, alternatives);
    }

    private void EnsureCapacity(int vocab)
    {
        if (_logits.Length >= vocab) return;
        _logits = new float[vocab];
        _weights = new float[vocab];
        _candidates = new int[vocab];
    }

    private static void ApplyPenalties(Span<float> logits, SamplingParameters p, TokenHistory history)
    {
        if (p.RepetitionPenalty != 1f)
        {
            foreach (var token in history.Seen)
            {
                if ((uint)token >= (uint)logits.Length) continue;
                var l = logits[token];
                logits[token] = l > 0 ? l / p.RepetitionPenalty : l * p.RepetitionPenalty;
            }
        }
        if (p.PresencePenalty != 0f || p.FrequencyPenalty != 0f)
        {
            foreach (var (token, count) in history.OutputCounts)
            {
                if ((uint)token >= (uint)logits.Length) continue;
                logits[token] -= p.PresencePenalty + p.FrequencyPenalty * count;
            }
        }
    }

    private int SampleFiltered(Span<float> logits, SamplingParameters p, SamplingRandom random)
    {
        var vocab = logits.Length;
        // temperature, then unnormalised probabilities w = exp(l/T − max) in (0, 1]
        var weights = _weights.AsSpan(0, vocab);
        TensorPrimitives.Multiply(logits, 1f / p.Temperature, weights);
        var max = TensorPrimitives.Max(weights);
        TensorPrimitives.Subtract(weights, max, weights);
        TensorPrimitives.Exp(weights, weights);

        var candidates = _candidates.AsSpan(0, vocab);
        for (var i = 0; i < vocab; i++) candidates[i] = i;
        var count = vocab;

        // top-k
        if (p.TopK > 0 && p.TopK < count)
        {
            SelectLargest(candidates, weights, p.TopK);
            count = p.TopK;
        }

        // top-p: smallest prefix of most likely tokens whose mass reaches TopP of the remaining mass
        if (p.TopP < 1f)
        {
            var total = SumOf(candidates[..count], weights);
            count = NucleusCount(candidates[..count], weights, p.TopP * total);
        }

        // min-p: relative to the most likely token, whose weight is exactly 1 after subtracting the max
        if (p.MinP > 0f)
        {
            var kept = 0;
            for (var i = 0; i < count; i++)
            {
                if (weights[candidates[i]] >= p.MinP) candidates[kept++] = candidates[i];
            }
            count = Math.Max(kept, 1);
        }

        // sample from what is left
        var mass = SumOf(candidates[..count], weights);
        var target = random.NextDouble() * mass;
        double cumulative = 0;
        for (var i = 0; i < count; i++)
        {
            cumulative += weights[candidates[i]];
            if (cumulative > target) return candidates[i];
        }
        return candidates[count - 1];
    }

    private static double SumOf(ReadOnlySpan<int> indices, ReadOnlySpan<float> weights)
    {
        double sum = 0;
        foreach (var i in indices) sum += weights[i];
        return sum;
    }

    /// <summary>Reorders <paramref name="indices"/> so its first <paramref name="k"/> entries have the largest weights (quickselect).</summary>
    private static void SelectLargest(Span<int> indices, ReadOnlySpan<float> weights, int k)
    {
        int lo = 0, hi = indices.Length;
        while (hi - lo > SortThreshold)
        {
            var (gtEnd, eqEnd) = Partition3(indices[lo..hi], weights);
            gtEnd += lo;
            eqEnd += lo;
            if (k <= gtEnd) hi = gtEnd;
            else if (k <= eqEnd) return;
            else lo = eqEnd;
        }
        SortDescending(indices[lo..hi], weights);
    }

    /// <summary>
    /// Reorders <paramref name="indices"/> so a prefix holds the most likely tokens whose summed weight first
    /// reaches <paramref name="targetMass"/>, and returns the prefix length (at least 1). Expected O(n).
    /// </summary>
    private static int NucleusCount(Span<int> indices, ReadOnlySpan<float> weights, double targetMass)
    {
        int lo = 0, hi = indices.Length;
        var need = targetMass;
        while (hi - lo > SortThreshold)
        {
            var (gtEnd, eqEnd) = Partition3(indices[lo..hi], weights);
            gtEnd += lo;
            eqEnd += lo;
            var gtMass = SumOf(indices[lo..gtEnd], weights);
            if (gtMass >= need && gtEnd > lo)
            {
                hi = gtEnd;
                continue;
            }
            need -= gtMass;
            var pivot = weights[indices[gtEnd]];
            // Weights that underflowed to 0 add no mass: the nucleus cannot grow past the heavier ones.
            if (pivot <= 0f) return Math.Max(gtEnd, 1);
            var eqCount = eqEnd - gtEnd;
            var eqNeeded = (int)Math.Ceiling(need / pivot);
            if (eqNeeded <= eqCount) return Math.Max(gtEnd + Math.Max(eqNeeded, 1), 1);
            need -= eqCount * (double)pivot;
            lo = eqEnd;
        }
        SortDescending(indices[lo..hi], weights);
        double cumulative = 0;
        for (var i = lo; i < hi; i++)
        {
            cumulative += weights[indices[i]];
            if (cumulative >= need) return i + 1;
        }
        return Math.Max(hi, 1);
    }

    /// <summary>Three-way partition by a median-of-three pivot (deterministic, so seeded runs repeat):
    /// [0, gtEnd) heavier than the pivot, [gtEnd, eqEnd) equal, the rest lighter.</summary>
    private static (int GtEnd, int EqEnd) Partition3(Span<int> indices, ReadOnlySpan<float> weights)
    {
        var a = weights[indices[0]];
        var b = weights[indices[indices.Length / 2]];
        var c = weights[indices[^1]];
        var pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        int gt = 0, i = 0, lt = indices.Length;
        while (i < lt)
        {
            var w = weights[indices[i]];
            if (w > pivot)
            {
                Swap(indices, gt, i);
                gt++;
                i++;
            }
            else if (w < pivot)
            {
                lt--;
                Swap(indices, i, lt);
            }
            else
            {
                i++;
            }
        }
        return (gt, lt);
    }

    private static void Swap(Span<int> items, int a, int b) => (items[a], items[b]) = (items[b], items[a]);

    private static void SortDescending(Span<int> indices, ReadOnlySpan<float> weights)
    {
        // Insertion sort: only ever called on ≤ SortThreshold or top-k-sized runs; stable, so ties keep their order.
        for (var i = 1; i < indices.Length; i++)
        {
            var current = indices[i];
            var w = weights[current];
            var j = i - 1;
            while (j >= 0 && weights[indices[j]] < w)
            {
                indices[j + 1] = indices[j];
                j--;
            }
            indices[j + 1] = current;
        }
    }

    private static double LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        // Vectorised: after subtracting the max every term is in (0, 1], so a float sum over 151,936 terms
        // keeps ~1e-5 relative accuracy, far below what a reported log-probability needs.
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + Math.Log(TensorPrimitives.Sum(scratch));
    }

    private TokenLogprob[] TopLogprobs(ReadOnlySpan<float> logits, double logNormalizer, int n)
    {
        var candidates = _candidates.AsSpan(0, logits.Length);
        for (var i = 0; i < candidates.Length; i++) candidates[i] = i;
        // Reuse the selection on raw logits (monotone in probability).
        var raw = _weights.AsSpan(0, logits.Length);
        logits.CopyTo(raw);
        SelectLargest(candidates, raw, n);
        SortDescending(candidates[..n], raw);
        var result = new TokenLogprob[n];
        for (var i = 0; i < n; i++) result[i] = new TokenLogprob(candidates[i], (float)(logits[candidates[i]] - logNormalizer));
        return result;
    }
}
