using System.Text;
using System.Text.Json;

namespace VLOrleans.Engine.Text;

/// <summary>Loading a <see cref="QwenTokenizer"/> from Hugging Face tokenizer files.</summary>
public sealed partial class QwenTokenizer
{
    /// <summary>
    /// Loads <c>tokenizer.json</c> (model.vocab, model.merges as "a b" strings or [a, b] pairs, added_tokens).
    /// The Qwen-VL added tokens 151643..151668 (<see cref="SpecialTokens.QwenVlAddedTokens"/>) are added if the file lacks them.
    /// The pre-tokenizer and normaliser are Qwen2's (NFC + the Qwen split) whatever the file says.
    /// </summary>
    public static QwenTokenizer FromFile(string tokenizerJsonPath)
    {
        using var doc = ParseJson(tokenizerJsonPath);
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || !model.TryGetProperty("vocab", out var vocabElement)
            || !model.TryGetProperty("merges", out var mergesElement))
            throw Invalid(tokenizerJsonPath, "it has no model.vocab / model.merges (not a BPE tokenizer.json)");
        if (model.TryGetProperty("type", out var type) && type.GetString() != "BPE")
            throw Invalid(tokenizerJsonPath, $"model.type is {type.GetString()}, expected BPE");

        var vocab = ReadVocab(vocabElement, tokenizerJsonPath);
        var merges = new List<(string, string)>(mergesElement.GetArrayLength());
        foreach (var m in mergesElement.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String) merges.Add(SplitMergeLine(m.GetString()!, tokenizerJsonPath));
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
                merges.Add((m[0].GetString() ?? "", m[1].GetString() ?? ""));
            else throw Invalid(tokenizerJsonPath, "a merge is neither \"a b\" nor [a, b]");
        }

        var added = new List<(string, int, bool)>();
        if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in addedElement.EnumerateArray())
            {
                var content = t.TryGetProperty("content", out var c) ? c.GetString() : null;
                if (content is null || !t.TryGetProperty("id", out var idEl) || !idEl.TryGetInt32(out var id))
                    throw Invalid(tokenizerJsonPath, "an added token lacks content or id");
                var special = t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                added.Add((content, id, special));
            }
        }
        return Build(vocab, merges, added, tokenizerJsonPath);
    }

    /// <summary>
    /// Loads the slow-tokenizer files: <c>vocab.json</c> ({token: id}), <c>merges.txt</c> (one "a b" per line,
    /// an optional "#version" first line) and optionally <c>added_tokens.json</c> ({text: id}). Added tokens
    /// not in that file come from <see cref="SpecialTokens.QwenVlAddedTokens"/>.
    /// </summary>
    public static QwenTokenizer FromVocabAndMerges(string vocabJsonPath, string mergesTxtPath, string? addedTokensJsonPath = null)
    {
        Dictionary<string, int> vocab;
        using (var doc = ParseJson(vocabJsonPath)) vocab = ReadVocab(doc.RootElement, vocabJsonPath);

        var merges = new List<(string, string)>();
        foreach (var line in ReadLines(mergesTxtPath))
        {
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            merges.Add(SplitMergeLine(line, mergesTxtPath));
        }

        var added = new List<(string, int, bool)>();
        if (addedTokensJsonPath is not null)
        {
            using var doc = ParseJson(addedTokensJsonPath);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!p.Value.TryGetInt32(out var id)) throw Invalid(addedTokensJsonPath, $"the id of {p.Name} is not an integer");
                var special = SpecialTokens.QwenVlAddedTokens.Any(t => t.Text == p.Name && t.IsSpecial);
                added.Add((p.Name, id, special));
            }
        }
        return Build(vocab, merges, added, vocabJsonPath);
    }

    private static QwenTokenizer Build(Dictionary<string, int> vocab, List<(string Left, string Right)> merges,
        List<(string Text, int Id, bool IsSpecial)> added, string source)
    {
        // Added tokens: the file's, then any Qwen-VL one the file lacks (by text and id).
        foreach (var (id, text, special) in SpecialTokens.QwenVlAddedTokens)
            if (!added.Any(a => a.Text == text || a.Id == id)) added.Add((text, id, special));

        var count = Math.Max(vocab.Values.DefaultIfEmpty(-1).Max(), added.Select(a => a.Id).DefaultIfEmpty(-1).Max()) + 1;
        if (count > 10_000_000) throw Invalid(source, $"an id of {count - 1} is implausibly large");
        var idToBytes = new byte[count][];
        var isSpecial = new bool[count];
        foreach (var (token, id) in vocab)
            idToBytes[id] = ByteLevelAlphabet.ToBytes(token) ?? throw Invalid(source, $"vocab token '{token}' is not byte-level text");
        var addedIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (text, id, special) in added)
        {
            idToBytes[id] = Encoding.UTF8.GetBytes(text);
            isSpecial[id] = special;
            addedIds[text] = id;
        }
        for (var i = 0; i < count; i++) idToBytes[i] ??= [];   // holes in the id space decode to nothing

        var byteToId = new int[256];
        for (var b = 0; b < 256; b++)
            if (!vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out byteToId[b]))
                throw Invalid(source, $"the vocabulary lacks the single-byte token for 0x{b:X2}");

        var mergeRank = new MergeRankTable(merges.Count);
        var mergeResult = new int[merges.Count];
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out var l) || !vocab.TryGetValue(right, out var r) || !vocab.TryGetValue(left + right, out var m))
                throw Invalid(source, $"merge #{rank} '{left} {right}' uses a token missing from the vocabulary");
            mergeResult[rank] = m;
            mergeRank.TryAdd(l, r, rank);   // a repeated pair keeps its first (lowest) rank
        }

        return new QwenTokenizer(new BytePairEncoder(byteToId, mergeRank, mergeResult),
            new AddedTokenMatcher(addedIds.Select(p => (p.Key, p.Value))), idToBytes, isSpecial, addedIds);
    }

    private static Dictionary<string, int> ReadVocab(JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Invalid(source, "the vocabulary is not a JSON object");
        var vocab = new Dictionary<string, int>(160_000, StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (!p.Value.TryGetInt32(out var id) || id < 0) throw Invalid(source, $"the id of vocab token '{p.Name}' is not a non-negative integer");
            vocab[p.Name] = id;
        }
        return vocab;
    }

    private static (string, string) SplitMergeLine(string line, string source)
    {
        var space = line.IndexOf(' ');
        if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            throw Invalid(source, $"merge line '{line}' is not two tokens separated by one space");
        return (line[..space], line[(space + 1)..]);
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new TextException(TextErrorCode.TokenizerFileInvalid, $"Cannot read tokenizer file {path}: {e.Message}", e);
        }
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TextException(TextErrorCode.TokenizerFileInvalid, $"Cannot read tokenizer file {path}: {e.Message}", e);
        }
    }

    private static TextException Invalid(string path, string why) =>
        new(TextErrorCode.TokenizerFileInvalid, $"Tokenizer file {path} is not usable: {why}.");
}
