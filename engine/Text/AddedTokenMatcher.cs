namespace VLOrleans.Engine.Text;

/// <summary>
/// Finds added tokens (<c>&lt;|im_start|&gt;</c>, <c>&lt;|image_pad|&gt;</c>, <c>&lt;think&gt;</c> …) in raw text before
/// normalisation and BPE: at each position the longest token that starts there wins, and text between
/// tokens goes to BPE. All Qwen added tokens are matched verbatim (normalized=false, no lstrip/rstrip).
/// Candidates are grouped by first char, so text without '&lt;' costs one IndexOfAny scan.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Text, int Id)[]> _byFirstChar;
    private readonly System.Buffers.SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<(string Text, int Id)> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Text.Length > 0)
            .GroupBy(t => t.Text[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Text.Length).ToArray());
        _firstChars = System.Buffers.SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>
    /// Next added token at or after <paramref name="from"/>: its start and id, or (-1, -1) if none.
    /// </summary>
    public (int Start, int Length, int Id) FindNext(ReadOnlySpan<char> text, int from)
    {
        var i = from;
        while (i < text.Length)
        {
            var rel = text[i..].IndexOfAny(_firstChars);
            if (rel < 0) break;
            i += rel;
            foreach (var (tokenText, id) in _byFirstChar[text[i]])
                if (text[i..].StartsWith(tokenText, StringComparison.Ordinal)) return (i, tokenText.Length, id);
            i++;
        }
        return (-1, 0, -1);
    }
}
