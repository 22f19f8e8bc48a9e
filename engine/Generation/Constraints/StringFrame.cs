namespace VLOrleans.Engine.Generation.Constraints;

public enum StringPhase : byte { BeforeQuote, Content, Escape, Hex }

/// <summary>
/// Inside a JSON string. Only well-formed UTF-8 is allowed (overlong forms and UTF-16 surrogates excluded, through
/// the range the next continuation byte must fall in), no raw control characters, only JSON's escapes, and no
/// <c>\u</c> escape of a surrogate (a lone one would not decode). <paramref name="Length"/> counts code points, and
/// only when the string has limits, so an unlimited string's content is one state.
/// </summary>
/// <param name="ContinuationLeft">UTF-8 continuation bytes still due for the current character.</param>
/// <param name="NextLow">Lowest allowed value of the next continuation byte.</param>
/// <param name="NextHigh">Highest allowed value of the next continuation byte.</param>
/// <param name="HexLeft">Hex digits still due in a \u escape.</param>
/// <param name="NoSurrogate">The \u escape began with D: the next digit must be 0–7.</param>
public sealed record StringFrame(StringNode Node, StringPhase Phase, int Length, int ContinuationLeft, byte NextLow, byte NextHigh,
    bool NoSurrogate, int HexLeft = 0) : GrammarFrame
{
    public override int MinRemaining => Phase switch
    {
        StringPhase.BeforeQuote => Node.MinBytes,
        StringPhase.Content => ContinuationLeft + Math.Max(0, Node.MinLength - Length) + 1,
        StringPhase.Escape => 1 + Math.Max(0, Node.MinLength - Length) + 1,
        _ => HexLeft + Math.Max(0, Node.MinLength - Length) + 1,
    };

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        var next = Next(b);
        if (next is null) return;
        output.Add(ReferenceEquals(next, Closed) ? rest : new GrammarStack(next, rest));
    }

    // Marks "the closing quote was read" without allocating.
    private static readonly StringFrame Closed = new(new StringNode(0, null), StringPhase.Content, 0, 0, 0, 0, false);

    private StringFrame? Next(byte b)
    {
        switch (Phase)
        {
            case StringPhase.BeforeQuote:
                return b == '"' ? this with { Phase = StringPhase.Content } : null;
            case StringPhase.Escape:
                if (b == 'u') return this with { Phase = StringPhase.Hex, HexLeft = 4 };
                return b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'
                    ? this with { Phase = StringPhase.Content } : null;
            case StringPhase.Hex:
                var isHex = b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
                if (!isHex) return null;
                if (NoSurrogate && b is not (>= (byte)'0' and <= (byte)'7')) return null;
                var first = HexLeft == 4;
                return HexLeft == 1
                    ? this with { Phase = StringPhase.Content, HexLeft = 0, NoSurrogate = false }
                    : this with { HexLeft = HexLeft - 1, NoSurrogate = first && b is (byte)'d' or (byte)'D' };
        }

        // content
        if (ContinuationLeft > 0)
        {
            if (b < NextLow || b > NextHigh) return null;
            return this with { ContinuationLeft = ContinuationLeft - 1, NextLow = 0x80, NextHigh = 0xBF };
        }
        if (b == '"') return Length >= Node.MinLength ? Closed : null;
        if (Node.MaxLength is { } max && Length >= max) return null;
        var length = Node.CountsLength ? Length + 1 : 0;
        if (b == '\\') return this with { Phase = StringPhase.Escape, Length = length };
        if (b < 0x20) return null;
        if (b < 0x80) return Length == length ? this : this with { Length = length };
        // UTF-8 lead bytes and the range of the byte after them (RFC 3629's table)
        return b switch
        {
            >= 0xC2 and <= 0xDF => Lead(length, 1, 0x80, 0xBF),
            0xE0 => Lead(length, 2, 0xA0, 0xBF),
            >= 0xE1 and <= 0xEC or 0xEE or 0xEF => Lead(length, 2, 0x80, 0xBF),
            0xED => Lead(length, 2, 0x80, 0x9F),
            0xF0 => Lead(length, 3, 0x90, 0xBF),
            >= 0xF1 and <= 0xF3 => Lead(length, 3, 0x80, 0xBF),
            0xF4 => Lead(length, 3, 0x80, 0x8F),
            _ => null,
        };
    }

    private StringFrame Lead(int length, int continuation, byte low, byte high) =>
        this with { Length = length, ContinuationLeft = continuation, NextLow = low, NextHigh = high };
}
