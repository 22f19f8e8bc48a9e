namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// Every way the output so far can continue (a set of stacks: more than one only while anyOf alternatives, or a
/// complete value that may still grow, are undecided). Immutable; equal sets are equal states, which is what the
/// automaton interns and caches masks by.
/// </summary>
public sealed class GrammarState : IEquatable<GrammarState>
{
    private readonly GrammarStack?[] _stacks;
    private readonly int _hash;

    private GrammarState(GrammarStack?[] stacks)
    {
        _stacks = stacks;
        var hash = stacks.Length;
        foreach (var s in stacks) hash ^= s?.GetHashCode() ?? 17; // order-free: a set
        _hash = hash;
    }

    /// <summary>The state nothing continues from.</summary>
    public static GrammarState Dead { get; } = new([]);

    /// <summary>No stack left: the bytes so far cannot be continued into a valid output.</summary>
    public bool IsDead => _stacks.Length == 0;

    public IReadOnlyList<GrammarStack?> Stacks => _stacks;

    /// <summary>The state before any output: the grammar's start frames.</summary>
    public static GrammarState Start(GrammarNode grammar)
    {
        var pushed = new List<GrammarStack?>();
        GrammarStack.Push(grammar, null, pushed);
        return From(pushed);
    }

    public GrammarState Step(byte b)
    {
        var next = new List<GrammarStack?>();
        foreach (var stack in _stacks) GrammarStack.Step(stack, b, next);
        return From(next);
    }

    public GrammarState StepSpecial(int tokenId)
    {
        var next = new List<GrammarStack?>();
        foreach (var stack in _stacks) GrammarStack.StepSpecial(stack, tokenId, next);
        return From(next);
    }

    public bool IsAccepting => _stacks.Any(GrammarStack.IsAccepting);

    /// <summary>Fewest bytes (tokens) to a complete output.</summary>
    public int MinCompletion => _stacks.Length == 0 ? int.MaxValue : _stacks.Min(GrammarStack.MinCompletion);

    public IReadOnlyCollection<int> SpecialTokens()
    {
        var tokens = new HashSet<int>();
        foreach (var stack in _stacks) GrammarStack.SpecialTokens(stack, tokens);
        return tokens;
    }

    private static GrammarState From(List<GrammarStack?> stacks)
    {
        var normalized = new List<GrammarStack?>(stacks.Count);
        foreach (var s in stacks) GrammarStack.Normalize(s, normalized);
        if (normalized.Count <= 1) return new GrammarState([.. normalized]);
        var unique = new HashSet<GrammarStack?>(normalized);
        return new GrammarState([.. unique]);
    }

    public bool Equals(GrammarState? other)
    {
        if (other is null || other._hash != _hash || other._stacks.Length != _stacks.Length) return false;
        if (_stacks.Length == 1) return Equals(_stacks[0], other._stacks[0]);
        var mine = new HashSet<GrammarStack?>(_stacks);
        return other._stacks.All(mine.Contains);
    }

    public override bool Equals(object? obj) => Equals(obj as GrammarState);

    public override int GetHashCode() => _hash;
}
