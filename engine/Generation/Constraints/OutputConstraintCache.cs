namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// Compiled constraints of one model, by specification: a client that sends the same schema with every request reuses
/// the compiled grammar and, more to the point, its cached masks (the first masks of a grammar cost a trie walk each).
/// The vocabulary is built on first use (about 0.3 s). Bounded; thread-safe.
/// </summary>
public sealed class OutputConstraintCache(Func<TokenVocabulary> vocabulary)
{
    // each entry holds at most ~21 MB of automaton and masks (TokenConstraint); most hold well under 1 MB
    private const int MaxEntries = 32;

    private readonly Lazy<TokenVocabulary> _vocabulary = new(vocabulary);
    private readonly Dictionary<string, TokenConstraint> _compiled = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public TokenVocabulary Vocabulary => _vocabulary.Value;

    /// <exception cref="UnsupportedSchemaException">The specification cannot be honoured.</exception>
    public TokenConstraint Compile(OutputConstraint output)
    {
        var key = KeyOf(output);
        lock (_gate)
        {
            if (_compiled.TryGetValue(key, out var cached)) return cached;
        }
        var compiled = new TokenConstraint(output.Compile(), Vocabulary);
        lock (_gate)
        {
            if (_compiled.Count >= MaxEntries) _compiled.Clear();
            return _compiled.TryAdd(key, compiled) ? compiled : _compiled[key];
        }
    }

    private static string KeyOf(OutputConstraint output) => output switch
    {
        JsonObjectOutput => "object",
        JsonSchemaOutput s => $"schema:{s.Strict}:{s.Schema.GetRawText()}",
        ToolCallOutput t => $"tools:{t.OnlyFunction}:{t.SingleCall}:" + string.Join("\u0000", t.Functions.Select(f => $"{f.Name}:{f.Strict}:{f.Parameters?.GetRawText()}")),
        _ => throw new ArgumentException($"unknown output constraint {output.GetType().Name}", nameof(output)),
    };
}
