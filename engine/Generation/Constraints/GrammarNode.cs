namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// One element of a compiled output grammar (a JSON Schema, or Qwen's tool-call wrapper around one). Nodes are
/// immutable after compilation and compared by reference, so the automaton's frames that point at them hash cheaply.
/// <see cref="MinBytes"/> is the exact length of the shortest text the node matches (a special token counts as one):
/// every single byte is a token of Qwen's byte-level vocabulary, so it is also an upper bound on the tokens needed,
/// which is what lets the cursor close the output before max_tokens runs out.
/// </summary>
public abstract class GrammarNode
{
    public abstract int MinBytes { get; }
}

/// <summary>One of a fixed set of byte strings (enum, const, true/false/null, fixed text such as separators),
/// held as a trie so choices that share a prefix are matched together.</summary>
public sealed class LiteralNode : GrammarNode
{
    public LiteralNode(IReadOnlyList<byte[]> choices, IReadOnlyList<int>? tailCosts = null)
    {
        if (choices.Count == 0 || choices.Any(c => c.Length == 0)) throw new ArgumentException("a literal needs non-empty choices", nameof(choices));
        Trie = new LiteralTrie(choices, tailCosts ?? new int[choices.Count]);
        MinBytes = Trie.MinCost[0];
    }

    public static LiteralNode Of(string text) => new([System.Text.Encoding.UTF8.GetBytes(text)]);

    public LiteralTrie Trie { get; }

    public override int MinBytes { get; }
}

/// <summary>A JSON string with an optional length range in Unicode code points (an escape is one code point).</summary>
public sealed class StringNode(int minLength, int? maxLength) : GrammarNode
{
    public int MinLength { get; } = minLength;

    public int? MaxLength { get; } = maxLength;

    /// <summary>Only a string with limits needs its length counted; without, every content state is the same state.</summary>
    public bool CountsLength => MinLength > 0 || MaxLength is not null;

    public override int MinBytes => 2 + MinLength;
}

/// <summary>A JSON number; <see cref="IsInteger"/> allows no fraction or exponent. Digits are capped (see the frame)
/// so a number always fits a double exactly enough and generation cannot stall on digits.</summary>
public sealed class NumberNode(bool isInteger) : GrammarNode
{
    public bool IsInteger { get; } = isInteger;

    public override int MinBytes => 1;
}

/// <summary>A JSON array of <see cref="Item"/> with a count range.</summary>
public sealed class ArrayNode(GrammarNode item, int minItems, int? maxItems, JsonLayout layout) : GrammarNode
{
    public GrammarNode Item { get; } = item;

    public int MinItems { get; } = minItems;

    public int? MaxItems { get; } = maxItems;

    public JsonLayout Layout { get; } = layout;

    /// <summary>The separator's bytes after the comma (e.g. one space), or null for ",".</summary>
    public LiteralNode? SeparatorTail { get; } = layout.ItemSeparator.Length > 1 ? new LiteralNode([layout.ItemSeparator[1..]]) : null;

    /// <summary>Bytes to add <paramref name="count"/> more items after at least one is written (separator + item each).</summary>
    public int MoreItemsCost(int count) => count <= 0 ? 0 : count * (Layout.ItemSeparator.Length + Item.MinBytes);

    // Read lazily: a recursive "any JSON" node builds its array before its own alternatives are set.
    public override int MinBytes => MinItems == 0 ? 2 : 2 + Item.MinBytes + MoreItemsCost(MinItems - 1);
}

/// <summary>One declared property: its key as written (quoted, escaped, followed by the key separator) and its value.</summary>
public sealed record PropertyGrammar(string Name, byte[] KeyBytes, GrammarNode Value, bool IsRequired);

/// <summary>
/// A JSON object. With declared <see cref="Properties"/> they are written in declaration order, optional ones may be
/// skipped and nothing else appears (which satisfies the schema whether or not it allows additional properties). With
/// none declared and <see cref="AdditionalValue"/> set, any keys may appear with values of that grammar.
/// </summary>
public sealed class ObjectNode : GrammarNode
{
    private readonly LiteralNode?[] _keyChoices;
    private readonly int[] _requiredCostFrom;   // per next index: bytes of every required property at ≥ index, with separators
    private readonly int[] _requiredCountFrom;

    public ObjectNode(IReadOnlyList<PropertyGrammar> properties, GrammarNode? additionalValue, JsonLayout layout)
    {
        if (properties.Count > 0 && additionalValue is not null)
            throw new ArgumentException("declared properties and free keys do not mix", nameof(additionalValue));
        Properties = properties;
        AdditionalValue = additionalValue;
        Layout = layout;
        SeparatorTail = layout.ItemSeparator.Length > 1 ? new LiteralNode([layout.ItemSeparator[1..]]) : null;
        KeySeparator = new LiteralNode([layout.KeySeparator]);
        AnyKey = new StringNode(0, null);
        var n = properties.Count;
        _requiredCostFrom = new int[n + 1];
        _requiredCountFrom = new int[n + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            var p = properties[i];
            _requiredCountFrom[i] = _requiredCountFrom[i + 1] + (p.IsRequired ? 1 : 0);
            _requiredCostFrom[i] = _requiredCostFrom[i + 1] + (p.IsRequired ? p.KeyBytes.Length + p.Value.MinBytes : 0);
        }
        _keyChoices = new LiteralNode?[n + 1];
    }

    public IReadOnlyList<PropertyGrammar> Properties { get; }

    public GrammarNode? AdditionalValue { get; }

    public JsonLayout Layout { get; }

    public LiteralNode? SeparatorTail { get; }

    public LiteralNode KeySeparator { get; }

    public StringNode AnyKey { get; }

    /// <summary>True when no required property remains at index ≥ <paramref name="next"/>, so the object may close.</summary>
    public bool CanCloseAt(int next) => _requiredCountFrom[next] == 0;

    /// <summary>Bytes to finish an object whose next property may be <paramref name="next"/>: remaining required ones,
    /// the separators before them (<paramref name="hasProperty"/>: one is already written) and the closing brace.</summary>
    public int RemainingCost(int next, bool hasProperty)
    {
        var count = _requiredCountFrom[next];
        if (count == 0) return 1;
        var separators = hasProperty ? count : count - 1;
        return _requiredCostFrom[next] + separators * Layout.ItemSeparator.Length + 1;
    }

    /// <summary>
    /// The keys that may come next when the first candidate is <paramref name="next"/>: every property up to and
    /// including the first required one (skipping a required property is not allowed). Each choice's tail cost is
    /// what the object needs after that key, so the trie's costs are exact. Built on first use, then shared.
    /// </summary>
    public LiteralNode? KeyChoices(int next)
    {
        if (next >= Properties.Count) return null;
        var cached = Volatile.Read(ref _keyChoices[next]);
        if (cached is not null) return cached;
        var keys = new List<byte[]>();
        var costs = new List<int>();
        for (var i = next; i < Properties.Count; i++)
        {
            keys.Add(Properties[i].KeyBytes);
            costs.Add(Properties[i].Value.MinBytes + RemainingCost(i + 1, hasProperty: true));
            if (Properties[i].IsRequired) break;
        }
        var built = new LiteralNode(keys, costs);
        Interlocked.CompareExchange(ref _keyChoices[next], built, null);
        return _keyChoices[next];
    }

    public override int MinBytes => 1 + RemainingCost(0, hasProperty: false);
}

/// <summary>Any one of several grammars (anyOf, nullable types, "any JSON value"). Alternatives may be set after
/// construction so a grammar can refer to itself (a JSON value contains JSON values).</summary>
public sealed class ChoiceNode : GrammarNode
{
    private GrammarNode[] _alternatives = [];
    private int _minBytes = -1;

    public ChoiceNode(params GrammarNode[] alternatives)
    {
        if (alternatives.Length > 0) SetAlternatives(alternatives);
    }

    public IReadOnlyList<GrammarNode> Alternatives => _alternatives;

    public void SetAlternatives(GrammarNode[] alternatives)
    {
        if (_alternatives.Length > 0) throw new InvalidOperationException("alternatives are already set");
        if (alternatives.Length == 0) throw new ArgumentException("a choice needs alternatives", nameof(alternatives));
        _alternatives = alternatives;
    }

    public override int MinBytes
    {
        get
        {
            if (_minBytes < 0)
            {
                _minBytes = int.MaxValue; // guards a self-referencing alternative while it is being measured
                _minBytes = _alternatives.Min(a => a.MinBytes);
            }
            return _minBytes;
        }
    }
}

/// <summary>Parts matched one after another (the tool-call wrapper: special token, text, arguments, text, special token).</summary>
public sealed class SequenceNode(params GrammarNode[] parts) : GrammarNode
{
    public IReadOnlyList<GrammarNode> Parts { get; } = parts.Length > 0 ? parts : throw new ArgumentException("an empty sequence", nameof(parts));

    public override int MinBytes { get; } = parts.Sum(p => p.MinBytes);
}

/// <summary>An added token of the vocabulary (e.g. &lt;tool_call&gt;), which no byte string can produce.</summary>
public sealed class SpecialTokenNode(int tokenId) : GrammarNode
{
    public int TokenId { get; } = tokenId;

    public override int MinBytes => 1;
}

/// <summary><see cref="Item"/> one or more times (up to <see cref="MaxCount"/>), each repeat preceded by <see cref="Separator"/>.</summary>
public sealed class RepeatNode(GrammarNode item, LiteralNode separator, int minCount, int maxCount) : GrammarNode
{
    public GrammarNode Item { get; } = item;

    public LiteralNode Separator { get; } = separator;

    public int MinCount { get; } = minCount >= 1 ? minCount : throw new ArgumentOutOfRangeException(nameof(minCount));

    public int MaxCount { get; } = maxCount >= minCount ? maxCount : throw new ArgumentOutOfRangeException(nameof(maxCount));

    public int MoreCost(int count) => count <= 0 ? 0 : count * (Separator.MinBytes + Item.MinBytes);

    public override int MinBytes => Item.MinBytes + MoreCost(MinCount - 1);
}
