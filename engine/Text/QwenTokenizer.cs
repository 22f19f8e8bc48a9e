using System.Text;

namespace VLOrleans.Engine.Text;

/// <summary>
/// The Qwen2/2.5/3-VL tokenizer: byte-level BPE (151,643 regular tokens) plus added tokens 151643..151668.
/// Encoding: added tokens are found in the raw text first (longest match); each text run between them is
/// NFC-normalised, split by the Qwen pre-tokenizer and BPE-encoded. No BOS/EOS is added (Qwen adds none).
/// Decoding maps ids back to bytes and decodes UTF-8 (invalid bytes → U+FFFD).
/// Immutable after loading and safe to share between threads. Load with <see cref="FromFile"/> or
/// <see cref="FromVocabAndMerges"/>.
/// </summary>
public sealed partial class QwenTokenizer
{
    private readonly BytePairEncoder _bpe;
    private readonly AddedTokenMatcher _addedTokens;
    private readonly byte[][] _idToBytes;       // bytes each id decodes to (added tokens: their UTF-8 text)
    private readonly bool[] _isSpecial;          // per id: an added token flagged special
    private readonly Dictionary<string, int> _addedTokenIds;

    private QwenTokenizer(BytePairEncoder bpe, AddedTokenMatcher addedTokens, byte[][] idToBytes, bool[] isSpecial,
        Dictionary<string, int> addedTokenIds)
    {
        _bpe = bpe;
        _addedTokens = addedTokens;
        _idToBytes = idToBytes;
        _isSpecial = isSpecial;
        _addedTokenIds = addedTokenIds;
    }

    /// <summary>One more than the largest id the tokenizer knows (151,669 for Qwen-VL).</summary>
    public int VocabularyCount => _idToBytes.Length;

    /// <summary>Encodes text to ids. Added tokens written in the text (e.g. "&lt;|image_pad|&gt;") become their ids.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        EncodeInto(text, ids);
        return ids.ToArray();
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/> (no intermediate arrays).</summary>
    public void EncodeInto(string text, List<int> output)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(output);
        var span = text.AsSpan();
        var at = 0;
        while (at < span.Length)
        {
            var (start, length, id) = _addedTokens.FindNext(span, at);
            var runEnd = start < 0 ? span.Length : start;
            if (runEnd > at) EncodeOrdinaryText(span[at..runEnd], output);
            if (start < 0) break;
            output.Add(id);
            at = start + length;
        }
    }

    /// <summary>Drops the per-piece BPE cache (it refills as text is encoded). For memory pressure, and for
    /// benchmarks that measure the uncached cost.</summary>
    public void ClearCache() => _bpe.ClearCache();

    /// <summary>Id of an added token by its exact text (e.g. "&lt;|im_end|&gt;"), or null.</summary>
    public int? AddedTokenId(string text) => _addedTokenIds.TryGetValue(text, out var id) ? id : null;

    /// <summary>True when <paramref name="id"/> is an added token marked special (skipped by Decode(..., skipSpecialTokens: true)).</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <summary>Decodes ids to text. Throws <see cref="TextException"/> (TokenIdOutOfRange) for an unknown id.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var byteCount = 0;
        foreach (var id in ids) byteCount += BytesOf(id).Length;
        var bytes = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        var at = 0;
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _isSpecial[id]) continue;
            var b = _idToBytes[id];
            b.CopyTo(bytes[at..]);
            at += b.Length;
        }
        return Encoding.UTF8.GetString(bytes[..at]);
    }

    /// <summary>The raw bytes one id stands for (a BPE token can be part of a UTF-8 character).</summary>
    public ReadOnlySpan<byte> BytesOf(int id)
    {
        if ((uint)id >= (uint)_idToBytes.Length)
            throw new TextException(TextErrorCode.TokenIdOutOfRange, $"Token id {id} is outside the vocabulary (0..{_idToBytes.Length - 1}).");
        return _idToBytes[id];
    }

    private void EncodeOrdinaryText(ReadOnlySpan<char> text, List<int> output)
    {
        // NFC: most text is already normalised (ASCII always is); the quick check avoids the copy then.
        if (!NfcNormalizer.IsNormalized(text))
        {
            EncodeNormalized(NfcNormalizer.Normalize(text), output);
            return;
        }
        EncodeNormalized(text, output);
    }

    private void EncodeNormalized(ReadOnlySpan<char> text, List<int> output)
    {
        var i = 0;
        while (i < text.Length)
        {
            var n = QwenPreTokenizer.NextPieceLength(text, i);
            _bpe.Encode(text.Slice(i, n), output);
            i += n;
        }
    }
}
