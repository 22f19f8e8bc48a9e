using System.Text;
using System.Text.Unicode;

namespace VLOrleans.Engine.Text;

/// <summary>
/// Turns generated ids into text deltas for streaming. A BPE token can end inside a UTF-8 character (an emoji
/// is 4 bytes, often 2–4 tokens), so the bytes of an incomplete trailing character (at most 3) are held back
/// until the next token completes them; bytes that can never become valid are emitted as U+FFFD exactly as
/// <see cref="QwenTokenizer.Decode"/> would. Invariant: the concatenation of all deltas plus <see cref="Flush"/>
/// equals Decode of all ids. One instance per sequence; not thread-safe.
/// </summary>
public sealed class IncrementalDetokenizer(QwenTokenizer tokenizer, bool skipSpecialTokens = false)
{
    private readonly byte[] _pending = new byte[4];   // incomplete UTF-8 tail carried between tokens (≤ 3 bytes)
    private int _pendingCount;
    private byte[] _scratch = new byte[64];
    private char[] _chars = new char[64];

    /// <summary>Adds one token and returns the text it completes ("" while a character is still incomplete).</summary>
    public string Push(int id)
    {
        if (skipSpecialTokens && tokenizer.IsSpecial(id)) return "";
        var bytes = tokenizer.BytesOf(id);
        var total = _pendingCount + bytes.Length;
        if (_scratch.Length < total) _scratch = new byte[Math.Max(total, _scratch.Length * 2)];
        _pending.AsSpan(0, _pendingCount).CopyTo(_scratch);
        bytes.CopyTo(_scratch.AsSpan(_pendingCount));
        return DecodeScratch(total, isFinal: false);
    }

    /// <summary>Ends the stream: returns any held-back bytes as U+FFFD (they never completed a character).</summary>
    public string Flush()
    {
        var total = _pendingCount;
        _pending.AsSpan(0, total).CopyTo(_scratch);
        return DecodeScratch(total, isFinal: true);
    }

    private string DecodeScratch(int total, bool isFinal)
    {
        if (_chars.Length < total) _chars = new char[Math.Max(total, _chars.Length * 2)];
        Utf8.ToUtf16(_scratch.AsSpan(0, total), _chars, out var read, out var written, replaceInvalidSequences: true, isFinalBlock: isFinal);
        _pendingCount = total - read;
        _scratch.AsSpan(read, _pendingCount).CopyTo(_pending);
        return written == 0 ? "" : new string(_chars, 0, written);
    }
}
