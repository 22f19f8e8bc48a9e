namespace VLOrleans.Engine.Generation.Sampling;

/// <summary>
/// The tokens a sequence has seen, as the penalties need them: the set of prompt and output tokens (for
/// the repetition penalty) and the count of each output token (for presence/frequency penalties).
/// Owned by one sequence; not thread-safe.
/// </summary>
public sealed class TokenHistory
{
    private readonly HashSet<int> _seen = [];
    private readonly Dictionary<int, int> _outputCounts = [];

    public TokenHistory(ReadOnlySpan<int> prompt = default)
    {
        foreach (var token in prompt) _seen.Add(token);
    }

    /// <summary>Every distinct token of the prompt and the output so far.</summary>
    public IReadOnlySet<int> Seen => _seen;

    /// <summary>How often each token has been generated so far.</summary>
    public IReadOnlyDictionary<int, int> OutputCounts => _outputCounts;

    public void AddPrompt(ReadOnlySpan<int> tokens)
    {
        foreach (var token in tokens) _seen.Add(token);
    }

    public void AddOutput(int token)
    {
        _seen.Add(token);
        _outputCounts[token] = _outputCounts.GetValueOrDefault(token) + 1;
    }
}
