namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// One sequence's position in its constraint: the automaton state after the tokens generated so far. Owned by the
/// sequence (the worker thread); the shared <see cref="TokenConstraint"/> does the work.
/// </summary>
public sealed class ConstraintCursor
{
    private readonly TokenConstraint _constraint;

    internal ConstraintCursor(TokenConstraint constraint)
    {
        _constraint = constraint;
        State = constraint.Start;
    }

    public GrammarState State { get; private set; }

    /// <summary>True once an end-of-sequence token was accepted.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>True when the output so far is a complete match (it may end here).</summary>
    public bool IsComplete => IsFinished || State.IsAccepting;

    /// <summary>The tokens allowed next with <paramref name="remainingTokens"/> left in the budget (this one included).</summary>
    public TokenMask Mask(int remainingTokens)
    {
        if (IsFinished)
        {
            // after end-of-sequence (a benchmark ignoring it) only end-of-sequence again
            var bits = new ulong[(_constraint.Vocabulary.LogitsCount + 63) / 64];
            foreach (var eos in _constraint.Vocabulary.EndOfSequenceIds) bits[eos >> 6] |= 1UL << (eos & 63);
            return new TokenMask(bits, _constraint.Vocabulary.EndOfSequenceIds.Count);
        }
        return _constraint.MaskFor(State, Math.Max(remainingTokens, 1));
    }

    /// <summary>Moves past <paramref name="tokenId"/>; throws when the token was not allowed (a bug: the
    /// sampler only picks masked-in tokens).</summary>
    public void Advance(int tokenId)
    {
        if (_constraint.Vocabulary.EndOfSequenceIds.Contains(tokenId))
        {
            if (!IsComplete) throw new InvalidOperationException($"end-of-sequence {tokenId} before the constrained output is complete");
            IsFinished = true;
            return;
        }
        if (IsFinished) throw new InvalidOperationException($"token {tokenId} after end-of-sequence");
        var next = _constraint.Advance(State, tokenId);
        if (next.IsDead) throw new InvalidOperationException($"token {tokenId} is not allowed by the output constraint here");
        State = next;
    }
}
