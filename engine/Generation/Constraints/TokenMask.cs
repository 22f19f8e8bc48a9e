namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// The tokens a constrained sequence may produce next, one bit per logit (bit set = allowed). Immutable once built
/// (masks are cached per automaton state and shared between sequences).
/// </summary>
public sealed class TokenMask(ulong[] bits, int allowedCount)
{
    /// <summary>⌈logits / 64⌉ words; bit (id mod 64) of word (id / 64).</summary>
    public ReadOnlySpan<ulong> Bits => bits;

    public int AllowedCount { get; } = allowedCount;

    public bool IsAllowed(int tokenId) => (uint)(tokenId >> 6) < (uint)bits.Length && (bits[tokenId >> 6] & (1UL << (tokenId & 63))) != 0;

    /// <summary>Sets every disallowed logit to −∞ (words whose 64 tokens are all allowed are skipped whole).</summary>
    public void Apply(Span<float> logits)
    {
        var words = bits.AsSpan();
        for (var w = 0; w * 64 < logits.Length; w++)
        {
            var word = w < words.Length ? words[w] : 0UL;
            if (word == ulong.MaxValue) continue;
            var end = Math.Min(logits.Length, (w + 1) * 64);
            for (var i = w * 64; i < end; i++)
            {
                if ((word & (1UL << (i & 63))) == 0) logits[i] = float.NegativeInfinity;
            }
        }
    }
}
