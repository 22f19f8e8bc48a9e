namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// One way the output so far can continue: an immutable linked stack of frames, innermost first. Records give
/// structural equality and hashing, so identical stacks reached by different paths are one automaton state.
/// The empty stack (null) means a complete output: only end-of-sequence may follow.
/// </summary>
public sealed record GrammarStack(GrammarFrame Top, GrammarStack? Rest)
{
    /// <summary>Bytes needed to finish every frame on the stack (exact: see <see cref="GrammarNode.MinBytes"/>).</summary>
    public static int MinCompletion(GrammarStack? stack)
    {
        var total = 0;
        for (var s = stack; s is not null; s = s.Rest) total += s.Top.MinRemaining;
        return total;
    }

    /// <summary>True when the output may end here: every frame is complete (e.g. a top-level number "12").</summary>
    public static bool IsAccepting(GrammarStack? stack)
    {
        for (var s = stack; s is not null; s = s.Rest)
        {
            if (!s.Top.IsComplete) return false;
        }
        return true;
    }

    /// <summary>Adds the stacks that start matching <paramref name="node"/> on top of <paramref name="rest"/> (a choice gives one per alternative).</summary>
    public static void Push(GrammarNode node, GrammarStack? rest, List<GrammarStack?> output)
    {
        switch (node)
        {
            case ChoiceNode choice:
                foreach (var alternative in choice.Alternatives) Push(alternative, rest, output);
                break;
            case SequenceNode sequence:
                var below = rest;
                for (var i = sequence.Parts.Count - 1; i >= 1; i--) below = new GrammarStack(new PendingFrame(sequence.Parts[i]), below);
                Push(sequence.Parts[0], below, output);
                break;
            case RepeatNode repeat:
                // the first item starts at once (it may begin with an added token, which no byte step can reach)
                Push(repeat.Item, new GrammarStack(new RepeatFrame(repeat, 1), rest), output);
                break;
            default:
                output.Add(new GrammarStack(GrammarFrame.Fresh(node), rest));
                break;
        }
    }

    /// <summary>Adds the stacks <paramref name="b"/> leads to from <paramref name="stack"/> (none: the byte is not allowed).</summary>
    public static void Step(GrammarStack? stack, byte b, List<GrammarStack?> output)
    {
        if (stack is null) return;
        stack.Top.Step(stack.Rest, b, output);
        // A complete frame that could also go on (a number, a literal that is a prefix of another, a repeat) may
        // instead end here and hand the byte to the frame below.
        if (stack.Top.IsComplete && stack.Rest is not null) Step(stack.Rest, b, output);
    }

    /// <summary>Adds the stacks the added token <paramref name="tokenId"/> leads to.</summary>
    public static void StepSpecial(GrammarStack? stack, int tokenId, List<GrammarStack?> output)
    {
        if (stack is null) return;
        if (stack.Top is SpecialTokenFrame special && special.Node.TokenId == tokenId) output.Add(stack.Rest);
        if (stack.Top.IsComplete && stack.Rest is not null) StepSpecial(stack.Rest, tokenId, output);
    }

    /// <summary>The added tokens allowed next.</summary>
    public static void SpecialTokens(GrammarStack? stack, HashSet<int> output)
    {
        for (var s = stack; s is not null; s = s.Rest)
        {
            if (s.Top is SpecialTokenFrame special) output.Add(special.Node.TokenId);
            if (!s.Top.IsComplete) return;
        }
    }

    /// <summary>Replaces a pending node on top by the frames that start it, so every state's top is a real frame.</summary>
    public static void Normalize(GrammarStack? stack, List<GrammarStack?> output)
    {
        if (stack?.Top is PendingFrame pending) Push(pending.Node, stack.Rest, output);
        else output.Add(stack);
    }
}
