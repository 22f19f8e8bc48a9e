namespace VLOrleans.Engine.Generation.Sampling;

/// <summary>
/// How the next token is chosen from the logits. Defaults are neutral (plain softmax sampling at
/// temperature 1 with nothing filtered); <c>Temperature = 0</c> means greedy. Applied in this order, as
/// Hugging Face and vLLM do: repetition penalty → presence/frequency penalties → temperature → top-k →
/// top-p → min-p → sample.
/// </summary>
public sealed record SamplingParameters
{
    /// <summary>0 = greedy (argmax); otherwise logits are divided by it. Range [0, 2] as OpenAI allows.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to at least this; 1 = off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below MinP × the top token's probability; 0 = off.</summary>
    public float MinP { get; init; }

    /// <summary>Hugging Face's repetition penalty over prompt and output tokens (positive logits divided, negative multiplied); 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI's presence penalty: subtracted once from every token already generated; 0 = off.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI's frequency penalty: subtracted once per previous occurrence in the output; 0 = off.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Same seed + same request → same tokens, whatever else shares the batch. Null = random.</summary>
    public ulong? Seed { get; init; }

    public static SamplingParameters Greedy { get; } = new() { Temperature = 0f };

    public bool IsGreedy => Temperature == 0f || TopK == 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter out of range.</summary>
    public void Validate()
    {
        Check(float.IsFinite(Temperature) && Temperature is >= 0f and <= 2f, nameof(Temperature), "must be between 0 and 2");
        Check(TopK >= 0, nameof(TopK), "must be 0 (off) or positive");
        Check(float.IsFinite(TopP) && TopP is > 0f and <= 1f, nameof(TopP), "must be in (0, 1]");
        Check(float.IsFinite(MinP) && MinP is >= 0f and <= 1f, nameof(MinP), "must be in [0, 1]");
        Check(float.IsFinite(RepetitionPenalty) && RepetitionPenalty is > 0f and <= 10f, nameof(RepetitionPenalty), "must be in (0, 10]");
        Check(float.IsFinite(PresencePenalty) && PresencePenalty is >= -2f and <= 2f, nameof(PresencePenalty), "must be between -2 and 2");
        Check(float.IsFinite(FrequencyPenalty) && FrequencyPenalty is >= -2f and <= 2f, nameof(FrequencyPenalty), "must be between -2 and 2");
    }

    private static void Check(bool ok, string name, string rule)
    {
        if (!ok) throw new ArgumentException($"{name} {rule}.", name);
    }
}
