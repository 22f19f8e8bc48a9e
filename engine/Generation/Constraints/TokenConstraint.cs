namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// A compiled output grammar bound to a vocabulary: what each sequence's <see cref="ConstraintCursor"/> asks for its
/// next mask. Masks are computed by walking the vocabulary's token trie with the grammar's byte automaton and cached
/// per automaton state (a string's content, a number's digits, an object awaiting its next key recur step after step,
/// so most steps are a dictionary lookup). Thread-safe: one lock around the automaton and cache; share one instance
/// between requests with the same grammar.
/// </summary>
public sealed class TokenConstraint
{
    // Past these the automaton and the mask cache start afresh: a free-form grammar (json_object) has unboundedly many
    // states (every nesting path is one). Each state's transition row is 1 KB, so 16,384 states ≈ 16 MB; a mask is
    // ~19 KB at Qwen's 151,936 logits, so 256 masks ≈ 5 MB. A schema's documents pass through far fewer states.
    private const int MaxStates = 16_384;
    private const int MaxCachedMasks = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, (TokenMask Mask, int MaxEndCompletion)> _masks = [];
    private ByteAutomaton _automaton;
    private int[] _walkStates = new int[257];

    public TokenConstraint(GrammarNode grammar, TokenVocabulary vocabulary)
    {
        Grammar = grammar;
        Vocabulary = vocabulary;
        _automaton = new ByteAutomaton(grammar);
        Start = _automaton.State(_automaton.StartId);
        MinTokens = Start.MinCompletion;
    }

    public GrammarNode Grammar { get; }

    public TokenVocabulary Vocabulary { get; }

    public GrammarState Start { get; }

    /// <summary>The fewest tokens any complete output takes: a request whose max_tokens is below it cannot be honoured.</summary>
    public int MinTokens { get; }

    public ConstraintCursor NewCursor() => new(this);

    /// <summary>
    /// The tokens allowed after <paramref name="state"/> when <paramref name="remainingTokens"/> (this one included) may
    /// still be generated: only tokens after which the output can still be completed in the rest of the budget, so a
    /// constrained answer always ends complete. The unrestricted mask is cached; a budget-limited one is computed when
    /// the budget is tight (the last tokens of a long answer).
    /// </summary>
    public TokenMask MaskFor(GrammarState state, int remainingTokens)
    {
        lock (_gate)
        {
            var id = Intern(state);
            if (id == ByteAutomaton.Dead) return new TokenMask(new ulong[(Vocabulary.LogitsCount + 63) / 64], 0);
            if (!_masks.TryGetValue(id, out var cached))
            {
                if (_masks.Count >= MaxCachedMasks) _masks.Clear();
                cached = Walk(id, int.MaxValue);
                _masks[id] = cached;
            }
            return cached.MaxEndCompletion <= remainingTokens - 1 ? cached.Mask : Walk(id, remainingTokens - 1).Mask;
        }
    }

    /// <summary>The state after <paramref name="tokenId"/>; a dead state when the token was not allowed.</summary>
    public GrammarState Advance(GrammarState state, int tokenId)
    {
        if (Vocabulary.IsAddedToken(tokenId)) return state.StepSpecial(tokenId);
        if ((uint)tokenId >= (uint)Vocabulary.LogitsCount || (uint)tokenId >= (uint)Vocabulary.Tokenizer.VocabularyCount) return GrammarState.Dead;
        var tokenBytes = Vocabulary.Tokenizer.BytesOf(tokenId);
        lock (_gate)
        {
            var id = Intern(state);
            foreach (var b in tokenBytes)
            {
                if (id == ByteAutomaton.Dead) break;
                id = _automaton.Next(id, b);
            }
            return id == ByteAutomaton.Dead ? GrammarState.Dead : _automaton.State(id);
        }
    }

    private int Intern(GrammarState state)
    {
        if (_automaton.StateCount > MaxStates)
        {
            _automaton = new ByteAutomaton(Grammar);
            _masks.Clear();
        }
        return _automaton.Intern(state);
    }

    /// <summary>
    /// One pass over the depth-first token trie: the automaton state after each node's prefix is kept per depth, and a
    /// subtree whose prefix the grammar rejects is skipped whole. Tokens are allowed when their end state can still
    /// complete within <paramref name="completionLimit"/> bytes.
    /// </summary>
    private (TokenMask Mask, int MaxEndCompletion) Walk(int start, int completionLimit)
    {
        var v = Vocabulary;
        var automaton = _automaton;
        var bits = new ulong[(v.LogitsCount + 63) / 64];
        var allowed = 0;
        var maxEnd = 0;
        var states = _walkStates;
        states[0] = start;
        var nodeByte = v.NodeByte;
        var nodeDepth = v.NodeDepth;
        var nodeSkip = v.NodeSkip;
        var nodeToken = v.NodeToken;
        var i = 0;
        while (i < nodeByte.Length)
        {
            int depth = nodeDepth[i];
            var s = automaton.Next(states[depth - 1], nodeByte[i]);
            if (s == ByteAutomaton.Dead)
            {
                i = nodeSkip[i];
                continue;
            }
            states[depth] = s;
            var token = nodeToken[i];
            if (token >= 0) Allow(token, automaton.MinCompletion(s));
            i++;
        }
        foreach (var (node, token) in v.Duplicates)
        {
            var original = nodeToken[node];
            if ((bits[original >> 6] & (1UL << (original & 63))) != 0) Allow(token, 0);
        }

        // added tokens the grammar names (<tool_call>), and end-of-sequence where the output may end
        var state = automaton.State(start);
        foreach (var special in state.SpecialTokens())
        {
            var after = automaton.Intern(state.StepSpecial(special));
            if (after != ByteAutomaton.Dead) Allow(special, automaton.MinCompletion(after));
        }
        if (state.IsAccepting)
        {
            foreach (var eos in v.EndOfSequenceIds) Allow(eos, 0);
        }
        return (new TokenMask(bits, allowed), maxEnd);

        void Allow(int token, int completion)
        {
            if (completion > completionLimit || (uint)token >= (uint)v.LogitsCount) return;
            ref var word = ref bits[token >> 6];
            var bit = 1UL << (token & 63);
            if ((word & bit) != 0) return;
            word |= bit;
            allowed++;
            maxEnd = Math.Max(maxEnd, completion);
        }
    }
}
