namespace VLOrleans.Engine.Generation.Constraints;

public enum NumberPhase : byte { Start, Minus, Zero, IntegerDigits, Dot, FractionDigits, Exponent, ExponentSign, ExponentDigits }

/// <summary>
/// Inside a JSON number (RFC 8259: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>). Digits are capped —
/// 15 in the integer part (every such integer is exact in a double and in a long), 15 after the point, 2 in the
/// exponent — so a value always parses to a finite double and a model cannot write digits until the budget is gone.
/// </summary>
public sealed record NumberFrame(NumberNode Node, NumberPhase Phase, int Digits) : GrammarFrame
{
    public const int MaxIntegerDigits = 15;
    public const int MaxFractionDigits = 15;
    public const int MaxExponentDigits = 2;

    public override bool IsComplete => Phase is NumberPhase.Zero or NumberPhase.IntegerDigits or NumberPhase.FractionDigits or NumberPhase.ExponentDigits;

    public override int MinRemaining => IsComplete ? 0 : 1;

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        var next = Next(b);
        if (next is not null) output.Add(new GrammarStack(next, rest));
        // A byte that cannot continue a complete number ends it: GrammarStack.Step hands the byte to the frame below.
    }

    private NumberFrame? Next(byte b)
    {
        var digit = b is >= (byte)'0' and <= (byte)'9';
        switch (Phase)
        {
            case NumberPhase.Start:
                if (b == '-') return this with { Phase = NumberPhase.Minus };
                goto case NumberPhase.Minus;
            case NumberPhase.Minus:
                if (b == '0') return this with { Phase = NumberPhase.Zero };
                return digit ? this with { Phase = NumberPhase.IntegerDigits, Digits = 1 } : null;
            case NumberPhase.Zero:
            case NumberPhase.IntegerDigits:
                if (digit) return Phase == NumberPhase.IntegerDigits && Digits < MaxIntegerDigits ? this with { Digits = Digits + 1 } : null;
                if (Node.IsInteger) return null;
                if (b == '.') return this with { Phase = NumberPhase.Dot, Digits = 0 };
                return b is (byte)'e' or (byte)'E' ? this with { Phase = NumberPhase.Exponent, Digits = 0 } : null;
            case NumberPhase.Dot:
                return digit ? this with { Phase = NumberPhase.FractionDigits, Digits = 1 } : null;
            case NumberPhase.FractionDigits:
                if (digit) return Digits < MaxFractionDigits ? this with { Digits = Digits + 1 } : null;
                return b is (byte)'e' or (byte)'E' ? this with { Phase = NumberPhase.Exponent, Digits = 0 } : null;
            case NumberPhase.Exponent:
                if (b is (byte)'+' or (byte)'-') return this with { Phase = NumberPhase.ExponentSign };
                goto case NumberPhase.ExponentSign;
            case NumberPhase.ExponentSign:
                return digit ? this with { Phase = NumberPhase.ExponentDigits, Digits = 1 } : null;
            case NumberPhase.ExponentDigits:
                return digit && Digits < MaxExponentDigits ? this with { Digits = Digits + 1 } : null;
            default:
                return null;
        }
    }
}
