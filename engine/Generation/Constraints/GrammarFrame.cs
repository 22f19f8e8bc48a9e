namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// Where matching stands inside one grammar node. Frames are immutable records (value equality, so automaton
/// states built from them are found again); a step returns new stacks instead of mutating. Each frame counts only
/// its own remaining bytes: children pushed above it count theirs.
/// </summary>
public abstract record GrammarFrame
{
    /// <summary>Bytes this frame still needs, exactly (its pushed children excluded).</summary>
    public abstract int MinRemaining { get; }

    /// <summary>True when the node's text may end here (possibly while it could also go on).</summary>
    public virtual bool IsComplete => false;

    /// <summary>Adds the stacks that consuming <paramref name="b"/> with this frame on top of <paramref name="rest"/> leads to.</summary>
    public abstract void Step(GrammarStack? rest, byte b, List<GrammarStack?> output);

    /// <summary>The frame a node starts in (choices and sequences are expanded by <see cref="GrammarStack.Push"/>).</summary>
    public static GrammarFrame Fresh(GrammarNode node) => node switch
    {
        LiteralNode literal => new LiteralFrame(literal, 0),
        StringNode s => new StringFrame(s, StringPhase.BeforeQuote, 0, 0, 0, 0, false),
        NumberNode n => new NumberFrame(n, NumberPhase.Start, 0),
        ArrayNode a => new ArrayFrame(a, ArrayPhase.BeforeOpen, 0),
        ObjectNode o => new ObjectFrame(o, ObjectPhase.BeforeOpen, 0, false),
        SpecialTokenNode t => new SpecialTokenFrame(t),
        _ => throw new ArgumentException($"no frame for {node.GetType().Name}", nameof(node)),
    };

    /// <summary>Pushes <paramref name="node"/> above <paramref name="rest"/> and feeds it <paramref name="b"/>.</summary>
    protected static void PushAndStep(GrammarNode node, GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        var started = new List<GrammarStack?>(2);
        GrammarStack.Push(node, rest, started);
        foreach (var stack in started) GrammarStack.Step(stack, b, output);
    }
}

/// <summary>A node queued behind the frame above it (the later parts of a sequence, an object's value after its key).</summary>
public sealed record PendingFrame(GrammarNode Node) : GrammarFrame
{
    public override int MinRemaining => Node.MinBytes;

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output) => PushAndStep(Node, rest, b, output);
}

/// <summary>Waits for one added token; no byte matches it.</summary>
public sealed record SpecialTokenFrame(SpecialTokenNode Node) : GrammarFrame
{
    public override int MinRemaining => 1;

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
    }
}

/// <summary>Inside a literal's trie at <paramref name="TrieNode"/>.</summary>
public sealed record LiteralFrame(LiteralNode Node, int TrieNode) : GrammarFrame
{
    public override int MinRemaining => Node.Trie.MinCost[TrieNode];

    public override bool IsComplete => Node.Trie.ChoiceAt(TrieNode) >= 0;

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        var trie = Node.Trie;
        var child = trie.Child(TrieNode, b);
        if (child < 0) return;
        // A choice that ends here and is no prefix of another pops at once; otherwise the frame stays (complete
        // and continuable, see GrammarStack.Step).
        if (trie.ChoiceAt(child) >= 0 && !trie.HasChildren(child)) output.Add(rest);
        else output.Add(new GrammarStack(this with { TrieNode = child }, rest));
    }
}

/// <summary>An object key chosen among the declared properties that may come next (the key bytes include the
/// key separator); when one is complete, its value follows.</summary>
public sealed record KeyFrame(ObjectNode Node, int Next, int TrieNode) : GrammarFrame
{
    public override int MinRemaining => Node.KeyChoices(Next)!.Trie.MinCost[TrieNode];

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        var trie = Node.KeyChoices(Next)!.Trie;
        var child = trie.Child(TrieNode, b);
        if (child < 0) return;
        var choice = trie.ChoiceAt(child);
        if (choice < 0)
        {
            output.Add(new GrammarStack(this with { TrieNode = child }, rest));
            return;
        }
        // Keys are quoted and end with the separator, so no key is a prefix of another: the value starts now.
        var property = Next + choice;
        var parent = new GrammarStack(new ObjectFrame(Node, ObjectPhase.AfterValue, property + 1, true), rest);
        GrammarStack.Push(Node.Properties[property].Value, parent, output);
    }
}
