using System.Text.Json;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>
/// Encode/decode against transformers.js 4.3.1 on the same tokenizer.json. Golden file:
/// tests/fixtures/text/tokenizer_golden.json, made by tools/reference/text/make_tokenizer_golden.mjs
/// (645 strings: English, Chinese, mixed scripts, emoji with ZWJ, code, digit runs, whitespace runs,
/// added tokens inside text, NFC cases).
/// </summary>
public sealed class TokenizerGoldenTests
{
    internal sealed record GoldenCase(string Text, int[] Ids, string Decoded);

    internal static readonly Lazy<GoldenCase[]> Cases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "text", "tokenizer_golden.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new GoldenCase(c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!))
            .ToArray();
    });

    [Fact]
    public void Hello_is_14990_as_in_the_facts_doc()
    {
        Assert.Equal([14990], SharedTokenizer.Instance.Encode("hello"));
    }

    [Fact]
    public void Corpus_has_at_least_500_strings()
    {
        Assert.True(Cases.Value.Length >= 500, $"only {Cases.Value.Length} golden strings");
    }

    [Fact]
    public void Encode_matches_transformers_js_on_every_golden_string()
    {
        var tokenizer = SharedTokenizer.Instance;
        var failures = Cases.Value
            .Where(c => !tokenizer.Encode(c.Text).AsSpan().SequenceEqual(c.Ids))
            .Select(c => $"{JsonSerializer.Serialize(c.Text)}: expected [{string.Join(",", c.Ids)}] got [{string.Join(",", tokenizer.Encode(c.Text))}]")
            .Take(10).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Decode_matches_transformers_js_on_every_golden_string()
    {
        var tokenizer = SharedTokenizer.Instance;
        var failures = Cases.Value
            .Where(c => tokenizer.Decode(c.Ids) != c.Decoded)
            .Select(c => JsonSerializer.Serialize(c.Text)).Take(10).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Incremental_deltas_concatenate_to_the_full_decode_and_never_split_a_character()
    {
        var tokenizer = SharedTokenizer.Instance;
        foreach (var c in Cases.Value)
        {
            var detok = new IncrementalDetokenizer(tokenizer);
            var text = new System.Text.StringBuilder();
            foreach (var id in c.Ids)
            {
                var delta = detok.Push(id);
                // A delta never ends in a high surrogate (half of an astral character).
                Assert.False(delta.Length > 0 && char.IsHighSurrogate(delta[^1]), $"split surrogate in {c.Text}");
                text.Append(delta);
            }
            text.Append(detok.Flush());
            Assert.Equal(c.Decoded, text.ToString());
        }
    }

    [Fact]
    public void Incremental_detokenizer_holds_back_a_partial_character()
    {
        // U+20000 (CJK Ext-B, 4 UTF-8 bytes F0 A0 80 80) is not one Qwen token: its bytes span several tokens, and
        // nothing may be emitted until the last one completes the character.
        var tokenizer = SharedTokenizer.Instance;
        var ids = tokenizer.Encode("\U00020000");
        Assert.True(ids.Length >= 2, $"expected several tokens, got {ids.Length}");
        var detok = new IncrementalDetokenizer(tokenizer);
        var deltas = ids.Select(detok.Push).ToList();
        Assert.All(deltas.Take(deltas.Count - 1), d => Assert.Equal("", d));
        Assert.Equal("\U00020000", deltas[^1]);
        Assert.Equal("", detok.Flush());
    }

    [Fact]
    public void Incremental_detokenizer_flushes_an_unfinished_character_as_replacement()
    {
        var tokenizer = SharedTokenizer.Instance;
        var ids = tokenizer.Encode("\U00020000");
        var detok = new IncrementalDetokenizer(tokenizer);
        Assert.Equal("", detok.Push(ids[0]));
        Assert.Equal("\uFFFD", detok.Flush());
        Assert.Equal("\uFFFD", tokenizer.Decode(ids.AsSpan(0, 1)));
    }

    [Fact]
    public void Added_tokens_in_text_become_their_ids()
    {
        var ids = SharedTokenizer.Instance.Encode("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>hi<|im_end|>");
        Assert.Equal(SpecialTokens.ImStart, ids[0]);
        Assert.Equal([SpecialTokens.VisionStart, SpecialTokens.ImagePad, SpecialTokens.VisionEnd], ids[3..6]);
        Assert.Equal(SpecialTokens.ImEnd, ids[^1]);
    }

    [Fact]
    public void Decode_can_skip_special_tokens()
    {
        var tokenizer = SharedTokenizer.Instance;
        var ids = tokenizer.Encode("<|im_start|>hi<|im_end|><think>x</think>");
        // <think> is an added token but not special in the Qwen3 tokenizer.json, so it stays.
        Assert.Equal("hi<think>x</think>", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Unknown_id_is_a_typed_error()
    {
        var e = Assert.Throws<TextException>(() => SharedTokenizer.Instance.Decode([1, 999_999]));
        Assert.Equal(TextErrorCode.TokenIdOutOfRange, e.Code);
    }
}
