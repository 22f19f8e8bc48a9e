using System.Text;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Tests.Text;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.Constraints.GrammarMatch;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>
/// Masks over the real Qwen vocabulary, checked against the slow way: every one of the 151,643 regular tokens fed byte by
/// byte through the grammar state itself (no trie, no automaton cache), added tokens only where the grammar names them,
/// end-of-sequence only where the output is complete, nothing past the tokenizer.
/// </summary>
public sealed class TokenMaskTests
{
    private const int Logits = 151936; // the Qwen-VL models' logits row
    private static readonly int[] Eos = [SpecialTokens.ImEnd, SpecialTokens.EndOfText];

    private static TokenVocabulary Vocabulary => TokenVocabulary.For(SharedTokenizer.Instance, Logits, Eos);

    public static TheoryData<string, string> States => new()
    {
        { """{"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}, "n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}""", "" },
        { """{"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}, "n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}""", "{\"name\": \"a" },
        { """{"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}, "n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}""", "{\"n\": 1" },
        { """{"type": "array", "items": {"enum": ["red", "green", null]}}""", "[\"red\"" },
        { """{"type": "string"}""", "\"caf" },
        { """{"type": "number"}""", "-1" },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Mask_equals_token_by_token_check(string schema, string prefix)
    {
        var grammar = Schema(schema);
        var state = After(grammar, prefix);
        Assert.False(state.IsDead);
        var mask = new TokenConstraint(grammar, Vocabulary).MaskFor(state, int.MaxValue);

        var tokenizer = SharedTokenizer.Instance;
        var expected = new List<int>();
        for (var id = 0; id < SpecialTokens.RegularVocabularyCount; id++)
        {
            var s = state;
            foreach (var b in tokenizer.BytesOf(id))
            {
                s = s.Step(b);
                if (s.IsDead) break;
            }
            if (!s.IsDead) expected.Add(id);
        }
        if (state.IsAccepting) expected.AddRange(Eos);
        var actual = Enumerable.Range(0, Logits).Where(mask.IsAllowed).ToList();
        Assert.Equal(expected.Order(), actual);
        Assert.Equal(expected.Count, mask.AllowedCount);
    }

    [Fact]
    public void Masks_at_known_points()
    {
        var tokenizer = SharedTokenizer.Instance;
        var grammar = Schema("""{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": false}""");
        var constraint = new TokenConstraint(grammar, Vocabulary);
        var start = constraint.MaskFor(constraint.Start, 100);
        int Id(string text) => Assert.Single(tokenizer.Encode(text));
        Assert.True(start.IsAllowed(Id("{")));
        Assert.True(start.IsAllowed(Id("{\"")));  // a token spanning two grammar steps
        Assert.False(start.IsAllowed(Id("[")));
        Assert.False(start.IsAllowed(SpecialTokens.ImEnd));
        Assert.False(start.IsAllowed(SpecialTokens.ToolCallStart));
        Assert.False(start.IsAllowed(Logits - 1));
        var done = constraint.MaskFor(After(grammar, """{"ok": true}"""), 100);
        Assert.Equal([SpecialTokens.EndOfText, SpecialTokens.ImEnd], Enumerable.Range(0, Logits).Where(done.IsAllowed));
    }

    [Fact]
    public void A_tight_budget_allows_only_tokens_that_can_still_finish()
    {
        var grammar = Schema("""{"type": "object", "properties": {"s": {"type": "string"}}, "required": ["s"], "additionalProperties": false}""");
        var constraint = new TokenConstraint(grammar, Vocabulary);
        var state = After(grammar, """{"s": "abc""");
        // Two bytes finish it ("}), so with 2 tokens left (this one included) only a token that closes the string (after
        // any content) can come, leaving at most the brace: its text ends in " or in "}.
        var tokenizer = SharedTokenizer.Instance;
        var tight = constraint.MaskFor(state, 2);
        foreach (var id in Enumerable.Range(0, Logits).Where(tight.IsAllowed))
        {
            var text = Encoding.UTF8.GetString(tokenizer.BytesOf(id));
            Assert.True(text.EndsWith('"') || text.EndsWith("\"}", StringComparison.Ordinal), text);
        }
        Assert.True(tight.IsAllowed(Assert.Single(tokenizer.Encode("\""))));
        Assert.True(tight.IsAllowed(Assert.Single(tokenizer.Encode("\"}"))));
        Assert.False(tight.IsAllowed(Assert.Single(tokenizer.Encode("x"))));
        Assert.True(constraint.MaskFor(state, 100).IsAllowed(Assert.Single(tokenizer.Encode("x"))));
    }

    [Fact]
    public void The_trie_holds_every_regular_token_once()
    {
        var v = Vocabulary;
        Assert.Equal(SpecialTokens.RegularVocabularyCount, v.NodeToken.Count(t => t >= 0) + v.Duplicates.Length);
        foreach (var added in SpecialTokens.QwenVlAddedTokens) Assert.True(v.IsAddedToken(added.Id));
        // every single byte is a token: what lets the budget check count one token per byte
        for (var b = 0; b < 256; b++) Assert.Contains(v.NodeToken.Where((t, i) => v.NodeDepth[i] == 1 && v.NodeByte[i] == b), t => t >= 0);
    }
}
