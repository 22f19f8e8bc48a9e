namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// The byte strings of a <see cref="LiteralNode"/> as a trie: node 0 is the root; each node lists its children by
/// byte, whether a choice ends there (and which), and <see cref="MinCost"/> — the fewest bytes from that node to the
/// end of a choice plus that choice's tail cost (what the grammar needs after it), so costs stay exact when choices
/// lead to different continuations (object keys).
/// </summary>
public sealed class LiteralTrie
{
    private readonly List<Dictionary<byte, int>> _children = [];
    private readonly List<int> _choiceAt = [];

    public LiteralTrie(IReadOnlyList<byte[]> choices, IReadOnlyList<int> tailCosts)
    {
        NewNode();
        for (var c = 0; c < choices.Count; c++)
        {
            var node = 0;
            foreach (var b in choices[c])
            {
                if (!_children[node].TryGetValue(b, out var child))
                {
                    child = NewNode();
                    _children[node][b] = child;
                }
                node = child;
            }
            if (_choiceAt[node] < 0) _choiceAt[node] = c; // a repeated choice (duplicate enum value) is the same text
        }
        MinCost = new int[_children.Count];
        Measure(0, tailCosts);
    }

    /// <summary>Per node: the fewest bytes to finish a choice from here, plus that choice's tail cost.</summary>
    public int[] MinCost { get; }

    /// <summary>The child of <paramref name="node"/> along <paramref name="b"/>, or -1.</summary>
    public int Child(int node, byte b) => _children[node].TryGetValue(b, out var child) ? child : -1;

    public bool HasChildren(int node) => _children[node].Count > 0;

    /// <summary>The index of the choice that ends at <paramref name="node"/>, or -1.</summary>
    public int ChoiceAt(int node) => _choiceAt[node];

    private int NewNode()
    {
        _children.Add([]);
        _choiceAt.Add(-1);
        return _children.Count - 1;
    }

    private int Measure(int node, IReadOnlyList<int> tailCosts)
    {
        var best = _choiceAt[node] >= 0 ? tailCosts[_choiceAt[node]] : int.MaxValue;
        foreach (var child in _children[node].Values) best = Math.Min(best, 1 + Measure(child, tailCosts));
        return MinCost[node] = best;
    }
}
