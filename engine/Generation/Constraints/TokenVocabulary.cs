using System.Runtime.CompilerServices;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// What constrained decoding needs to know about a tokenizer, computed once per tokenizer and shared: every regular
/// token's bytes as a trie flattened in depth-first order (so a mask is one linear pass that skips whole subtrees a
/// grammar rejects, instead of testing 151,643 tokens one by one), the logits row length, and the end-of-sequence ids.
/// Immutable; thread-safe.
/// </summary>
public sealed class TokenVocabulary
{
    private static readonly ConditionalWeakTable<QwenTokenizer, TokenVocabulary> PerTokenizer = new();

    private readonly HashSet<int> _addedTokens;

    private TokenVocabulary(QwenTokenizer tokenizer, HashSet<int> addedTokens, byte[] bytes, byte[] depth, int[] skip, int[] token, (int Node, int Token)[] duplicates, int logitsCount, int[] endOfSequence)
    {
        Tokenizer = tokenizer;
        _addedTokens = addedTokens;
        NodeByte = bytes;
        NodeDepth = depth;
        NodeSkip = skip;
        NodeToken = token;
        Duplicates = duplicates;
        LogitsCount = logitsCount;
        EndOfSequenceIds = endOfSequence;
    }

    public QwenTokenizer Tokenizer { get; }

    /// <summary>True for the tokenizer's added tokens (&lt;|im_end|&gt;, &lt;tool_call&gt;, …), which the grammar allows by id.</summary>
    public bool IsAddedToken(int id) => _addedTokens.Contains(id);

    /// <summary>Per trie node in depth-first order: the byte on the edge into it.</summary>
    internal byte[] NodeByte { get; }

    /// <summary>Per node: its depth (1 for a first byte).</summary>
    internal byte[] NodeDepth { get; }

    /// <summary>Per node: the index just past its subtree.</summary>
    internal int[] NodeSkip { get; }

    /// <summary>Per node: the token whose bytes end here, or -1.</summary>
    internal int[] NodeToken { get; }

    /// <summary>Tokens whose bytes equal another token's (none in Qwen's vocabulary, kept for other vocabularies).</summary>
    internal (int Node, int Token)[] Duplicates { get; }

    /// <summary>Length of the model's logits row (151,936 for Qwen-VL; ids past the tokenizer are never allowed).</summary>
    public int LogitsCount { get; }

    public IReadOnlyList<int> EndOfSequenceIds { get; }

    public int NodeCount => NodeByte.Length;

    /// <summary>The vocabulary of <paramref name="tokenizer"/> for a model with <paramref name="logitsCount"/> logits; built
    /// once per tokenizer and end-of-sequence set (about 0.3 s for Qwen's 151,643 tokens).</summary>
    public static TokenVocabulary For(QwenTokenizer tokenizer, int logitsCount, IReadOnlyList<int> endOfSequenceIds)
    {
        var built = PerTokenizer.GetValue(tokenizer, t => Build(t, logitsCount, endOfSequenceIds));
        if (built.LogitsCount == logitsCount && built.EndOfSequenceIds.SequenceEqual(endOfSequenceIds)) return built;
        return Build(tokenizer, logitsCount, endOfSequenceIds);
    }

    // An added token decodes to its own text, which names it; a regular token's text never names an added token.
    private static bool IsAddedToken(QwenTokenizer tokenizer, int id) => tokenizer.AddedTokenId(tokenizer.Decode([id])) == id;

    private static TokenVocabulary Build(QwenTokenizer tokenizer, int logitsCount, IReadOnlyList<int> endOfSequenceIds)
    {
        // Regular tokens only: added tokens (<|im_end|>, <tool_call>, …) are allowed by the grammar by id, never by bytes.
        var ids = new List<int>(tokenizer.VocabularyCount);
        var added = new HashSet<int>();
        for (var id = 0; id < tokenizer.VocabularyCount && id < logitsCount; id++)
        {
            if (IsAddedToken(tokenizer, id)) added.Add(id);
            else if (tokenizer.BytesOf(id).Length > 0) ids.Add(id);
        }
        var tokenBytes = ids.ToDictionary(id => id, id => tokenizer.BytesOf(id).ToArray());
        ids.Sort((a, b) => tokenBytes[a].AsSpan().SequenceCompareTo(tokenBytes[b]));

        var nodeByte = new List<byte>();
        var nodeDepth = new List<byte>();
        var nodeToken = new List<int>();
        var duplicates = new List<(int, int)>();
        var path = new List<int>(); // node index per depth of the previous token's path
        byte[] previous = [];
        foreach (var id in ids)
        {
            var bytes = tokenBytes[id];
            if (bytes.Length > byte.MaxValue) continue; // no real token is this long; depth is stored in a byte
            var common = bytes.AsSpan().CommonPrefixLength(previous);
            if (common == bytes.Length)
            {
                duplicates.Add((path[common - 1], id));
                continue;
            }
            path.RemoveRange(common, path.Count - common);
            for (var d = common; d < bytes.Length; d++)
            {
                path.Add(nodeByte.Count);
                nodeByte.Add(bytes[d]);
                nodeDepth.Add((byte)(d + 1));
                nodeToken.Add(-1);
            }
            nodeToken[^1] = id;
            previous = bytes;
        }

        // skip[i]: the first later node that is not in i's subtree (depth ≤ i's depth)
        var count = nodeByte.Count;
        var skip = new int[count];
        var open = new Stack<int>();
        for (var i = 0; i < count; i++)
        {
            while (open.Count > 0 && nodeDepth[open.Peek()] >= nodeDepth[i]) skip[open.Pop()] = i;
            open.Push(i);
        }
        while (open.Count > 0) skip[open.Pop()] = count;
        return new TokenVocabulary(tokenizer, added, [.. nodeByte], [.. nodeDepth], skip, [.. nodeToken], [.. duplicates], logitsCount, [.. endOfSequenceIds]);
    }
}
