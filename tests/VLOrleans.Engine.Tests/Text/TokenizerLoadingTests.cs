using System.Text;
using System.Text.Json;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>Loading from vocab.json + merges.txt (the slow-tokenizer files) gives the same ids; bad files fail with a typed error.</summary>
public sealed class TokenizerLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vlo-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Vocab_and_merges_files_encode_the_golden_corpus_like_tokenizer_json()
    {
        // Write vocab.json / merges.txt from the real tokenizer.json (as Hugging Face ships them beside it), no added tokens file:
        // the Qwen-VL added tokens must then come from SpecialTokens.
        using (var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.QwenTokenizerJson)))
        {
            var model = doc.RootElement.GetProperty("model");
            File.WriteAllText(Path.Combine(_dir, "vocab.json"), model.GetProperty("vocab").GetRawText(), Encoding.UTF8);
            var lines = new StringBuilder("#version: 0.2\n");
            foreach (var m in model.GetProperty("merges").EnumerateArray())
                lines.Append(m[0].GetString()).Append(' ').Append(m[1].GetString()).Append('\n');
            File.WriteAllText(Path.Combine(_dir, "merges.txt"), lines.ToString(), new UTF8Encoding(false));
        }
        var tokenizer = QwenTokenizer.FromVocabAndMerges(Path.Combine(_dir, "vocab.json"), Path.Combine(_dir, "merges.txt"));

        Assert.Equal(151_669, tokenizer.VocabularyCount);
        foreach (var c in TokenizerGoldenTests.Cases.Value) Assert.Equal(c.Ids, tokenizer.Encode(c.Text));
        Assert.True(tokenizer.IsSpecial(SpecialTokens.ImagePad));
        Assert.False(tokenizer.IsSpecial(SpecialTokens.ThinkStart));
    }

    [Fact]
    public void Added_tokens_json_adds_tokens_beyond_the_qwen_set()
    {
        // A tiny byte-level vocabulary: the 256 single-byte tokens, one merge ("h"+"i"), and an extra added token.
        var vocab = new Dictionary<string, int>();
        for (var b = 0; b < 256; b++) vocab[ByteLevelAlphabetChar(b)] = b;
        vocab["hi"] = 256;
        File.WriteAllText(Path.Combine(_dir, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(_dir, "merges.txt"), "#version: 0.2\nh i\n");
        File.WriteAllText(Path.Combine(_dir, "added_tokens.json"), "{\"<|my_tool|>\": 151700}");
        var tokenizer = QwenTokenizer.FromVocabAndMerges(Path.Combine(_dir, "vocab.json"), Path.Combine(_dir, "merges.txt"),
            Path.Combine(_dir, "added_tokens.json"));

        Assert.Equal([256, 151700, SpecialTokens.ImEnd], tokenizer.Encode("hi<|my_tool|><|im_end|>"));
        Assert.Equal("hi<|my_tool|><|im_end|>", tokenizer.Decode([256, 151700, SpecialTokens.ImEnd]));
        Assert.Equal("hi<|my_tool|>", tokenizer.Decode([256, 151700, SpecialTokens.ImEnd], skipSpecialTokens: true));
    }

    // GPT-2's byte-to-unicode table, written out from its published definition for this test.
    private static string ByteLevelAlphabetChar(int b)
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range(0xA1, 0xAC - 0xA1 + 1)).Concat(Enumerable.Range(0xAE, 0xFF - 0xAE + 1)).ToList();
        if (printable.Contains(b)) return ((char)b).ToString();
        var n = Enumerable.Range(0, b).Count(x => !printable.Contains(x));
        return ((char)(256 + n)).ToString();
    }

    [Fact]
    public void Real_tokenizer_json_knows_all_26_added_tokens()
    {
        var tokenizer = SharedTokenizer.Instance;
        foreach (var (id, text, special) in SpecialTokens.QwenVlAddedTokens)
        {
            Assert.Equal(id, tokenizer.AddedTokenId(text));
            Assert.Equal(special, tokenizer.IsSpecial(id));
            Assert.Equal([id], tokenizer.Encode(text));
        }
    }

    [Fact]
    public void Missing_or_malformed_files_are_typed_errors()
    {
        var missing = Assert.Throws<TextException>(() => QwenTokenizer.FromFile(Path.Combine(_dir, "nope.json")));
        Assert.Equal(TextErrorCode.TokenizerFileInvalid, missing.Code);

        File.WriteAllText(Path.Combine(_dir, "bad.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
        var noBytes = Assert.Throws<TextException>(() => QwenTokenizer.FromFile(Path.Combine(_dir, "bad.json")));
        Assert.Equal(TextErrorCode.TokenizerFileInvalid, noBytes.Code);

        File.WriteAllText(Path.Combine(_dir, "truncated.json"), "{\"model\": {\"vocab\": ");
        Assert.Equal(TextErrorCode.TokenizerFileInvalid, Assert.Throws<TextException>(() => QwenTokenizer.FromFile(Path.Combine(_dir, "truncated.json"))).Code);
    }

    [Fact]
    public void A_very_long_word_encodes_and_round_trips()
    {
        // 50,000 letters are one pre-token: the merge must be O(n log n), not n² = 2.5·10⁹ steps.
        var word = string.Concat(Enumerable.Repeat("abcdefghij", 5_000));
        var ids = SharedTokenizer.Instance.Encode(word);
        Assert.Equal(word, SharedTokenizer.Instance.Decode(ids));
        Assert.True(ids.Length < word.Length / 2, $"{ids.Length} tokens for {word.Length} letters: merges not applied");
    }
}
