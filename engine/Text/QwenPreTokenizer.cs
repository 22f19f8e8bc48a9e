using System.Globalization;
using System.Text;

namespace VLOrleans.Engine.Text;

/// <summary>
/// The Qwen2 pre-tokenizer split, written out by hand instead of a .NET Regex. tokenizer.json gives
/// <code>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</code>
/// Why by hand: .NET Regex classifies UTF-16 code units, so astral letters and digits (𠀀, 𝐀, 𝟏) fall out of
/// \p{L}/\p{N}; JavaScript's /u regex (the reference, transformers.js) and Rust's classify code points. \s
/// follows JavaScript: Unicode Zs plus \t\n\v\f\r, U+2028/9 and U+FEFF (not U+0085). The (?i:) group folds
/// ASCII only (transformers.js rewrites it to [sS] etc.). Each alternative below states its backtracking result.
/// The pattern covers every char, so pieces tile the input. Allocation-free; ~1 pass over the text.
/// </summary>
internal static class QwenPreTokenizer
{
    private const byte Other = 0, Letter = 1, Number = 2, Space = 3, NewLine = 4;

    // Classes of ASCII chars, the common case.
    private static readonly byte[] AsciiClass = BuildAscii();

    private static byte[] BuildAscii()
    {
        var table = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = c switch
            {
                '\r' or '\n' => NewLine,
                '\t' or '\v' or '\f' or ' ' => Space,
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' => Letter,
                >= '0' and <= '9' => Number,
                _ => Other,
            };
        }
        return table;
    }

    /// <summary>Length in chars of the piece starting at <paramref name="start"/> (always ≥ 1).</summary>
    public static int NextPieceLength(ReadOnlySpan<char> s, int start)
    {
        var c0 = Classify(s, start, out var len0);

        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (s[start] == '\'' && start + 1 < s.Length)
        {
            var a = (char)(s[start + 1] | 0x20);
            if (a is 's' or 't' or 'm' or 'd') return 2;
            if (start + 2 < s.Length)
            {
                var b = (char)(s[start + 2] | 0x20);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
            }
        }

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, optionally led by one char that is none of CR, LF, L, N
        //    (so " word", "\tword", "¿word" stay one piece).
        if (c0 == Letter) return LetterRunEnd(s, start) - start;
        if (c0 != NewLine && c0 != Number && start + len0 < s.Length && Classify(s, start + len0, out _) == Letter)
            return LetterRunEnd(s, start + len0) - start;

        // 3. \p{N} : one number char at a time (so digit runs split into single digits).
        if (c0 == Number) return len0;

        // 4. " ?[^\s\p{L}\p{N}]+[\r\n]*" : punctuation/symbol run, optionally led by one ASCII space, then CR/LFs.
        //    If the space is not followed by such a char the optional space backs off and the run cannot start on it.
        var runStart = start + (s[start] == ' ' ? 1 : 0);
        var end = runStart;
        while (end < s.Length && Classify(s, end, out var l) == Other) end += l;
        if (end > runStart)
        {
            while (end < s.Length && s[end] is '\r' or '\n') end++;
            return end - start;
        }

        // Only whitespace reaches here (c0 is Space or NewLine). Whitespace chars are all in the BMP.
        var wsEnd = start;
        while (wsEnd < s.Length && IsWhiteSpace(s[wsEnd])) wsEnd++;

        // 5. \s*[\r\n]+ : the greedy \s* backs off to the last CR/LF of the whitespace run; ends just after it.
        for (var p = wsEnd - 1; p >= start; p--)
            if (s[p] is '\r' or '\n') return p + 1 - start;

        // 6. \s+(?!\S) : the whole run at the end of text, else the run minus its last char (which then leads the
        //    next word as in " word"), provided that leaves at least one char.
        if (wsEnd == s.Length) return wsEnd - start;
        if (wsEnd - start >= 2) return wsEnd - 1 - start;

        // 7. \s+
        return wsEnd - start;
    }

    private static int LetterRunEnd(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && Classify(s, i, out var l) == Letter) i += l;
        return i;
    }

    private static byte Classify(ReadOnlySpan<char> s, int i, out int length)
    {
        var c = s[i];
        if (c < 128)
        {
            length = 1;
            return AsciiClass[c];
        }
        if (IsWhiteSpace(c))
        {
            length = 1;
            return Space;
        }
        // A lone surrogate decodes as U+FFFD (category So) with length 1: "Other", as in JavaScript.
        Rune.DecodeFromUtf16(s[i..], out var rune, out length);
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
            _ => Other,
        };
    }

    /// <summary>JavaScript's \s: Zs, \t\n\v\f\r, U+2028, U+2029, U+FEFF.</summary>
    private static bool IsWhiteSpace(char c) => c switch
    {
        ' ' or '\t' or '\n' or '\v' or '\f' or '\r' => true,
        < '\u00a0' => false,
        '\u00a0' or '\u1680' or (>= '\u2000' and <= '\u200a') or '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' or '\ufeff' => true,
        _ => false,
    };
}
