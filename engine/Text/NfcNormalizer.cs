using System.Text;

namespace VLOrleans.Engine.Text;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition; UAX #15) with its own
/// tables (<see cref="NfcTables"/>). Why not <see cref="string.Normalize()"/>: the project runs with
/// InvariantGlobalization=true, where .NET's normalisation silently returns its input unchanged.
/// Text whose chars are all below U+0300 (ASCII, Latin-1, most CJK is above but NFC-stable) skips the work via
/// the quick check; only text with combining marks or decomposable/excluded chars is rebuilt.
/// </summary>
internal static class NfcNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    // One bit per BMP char: set when the char is NFC_QC No/Maybe or has a non-zero combining class (8 KB).
    // Lets CJK, Cyrillic, Arabic … text pass the quick check with one bit test per char instead of two binary searches.
    private static readonly ulong[] BmpNeedsCheck = BuildBmpBitmap();

    private static ulong[] BuildBmpBitmap()
    {
        var bits = new ulong[65536 / 64];
        foreach (var cp in NfcTables.QuickCheckNotYes) if (cp < 65536) bits[cp >> 6] |= 1UL << (cp & 63);
        foreach (var cp in NfcTables.CombiningClassKeys) if (cp < 65536) bits[cp >> 6] |= 1UL << (cp & 63);
        return bits;
    }

    /// <summary>True when <paramref name="text"/> is certainly NFC (quick check: no NFC_QC No/Maybe char, marks in order).</summary>
    public static bool IsNormalized(ReadOnlySpan<char> text)
    {
        var lastClass = 0;
        for (var i = 0; i < text.Length; i++)
        {
            int c = text[i];
            if (c < NfcTables.FirstAffected) { lastClass = 0; continue; }
            if (!char.IsSurrogate((char)c) && (BmpNeedsCheck[c >> 6] & (1UL << (c & 63))) == 0) { lastClass = 0; continue; }
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                c = char.ConvertToUtf32(text[i], text[++i]);
            if (NfcTables.QuickCheckNotYes.BinarySearch(c) >= 0) return false;
            var cc = CombiningClass(c);
            if (cc != 0 && cc < lastClass) return false;
            lastClass = cc;
        }
        return true;
    }

    /// <summary>The NFC form of <paramref name="text"/>.</summary>
    public static string Normalize(ReadOnlySpan<char> text)
    {
        if (IsNormalized(text)) return text.ToString();

        // decompose
        var cps = new List<int>(text.Length + 8);
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var used);
            // A lone surrogate stays as it is (JavaScript's normalize keeps it).
            var cp = used == 1 && char.IsSurrogate(text[i]) ? text[i] : rune.Value;
            Decompose(cp, cps);
            i += used;
        }

        // canonical ordering: stable sort of each run of non-starters by class (runs are short; insertion sort)
        for (var i = 1; i < cps.Count; i++)
        {
            var cc = CombiningClass(cps[i]);
            if (cc == 0) continue;
            var j = i;
            while (j > 0 && CombiningClass(cps[j - 1]) > cc)
            {
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
                j--;
            }
        }

        // compose: each char joins the last starter unless blocked by a char of class 0 or ≥ its own between them
        var output = new List<int>(cps.Count);
        var starterAt = -1;
        var lastClass = 0;
        foreach (var cp in cps)
        {
            var cc = CombiningClass(cp);
            if (starterAt >= 0)
            {
                var isBlocked = output.Count - 1 != starterAt && (lastClass == 0 || lastClass >= cc);
                if (!isBlocked && TryCompose(output[starterAt], cp, out var composite))
                {
                    output[starterAt] = composite;
                    continue;
                }
            }
            if (cc == 0) starterAt = output.Count;
            output.Add(cp);
            lastClass = cc;
        }

        var sb = new StringBuilder(output.Count + 4);
        foreach (var cp in output)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) sb.Append((char)cp);
            else sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp < 0xC0) { output.Add(cp); return; }   // À (U+00C0) is the first decomposable code point
        if (cp is >= SBase and < SBase + SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        var at = NfcTables.DecompositionKeys.BinarySearch(cp);
        if (at < 0) { output.Add(cp); return; }
        var offsets = NfcTables.DecompositionOffsets;
        foreach (var d in NfcTables.DecompositionData[offsets[at]..offsets[at + 1]]) output.Add(d);
    }

    private static int CombiningClass(int cp)
    {
        if (cp < NfcTables.FirstAffected) return 0;
        var at = NfcTables.CombiningClassKeys.BinarySearch(cp);
        return at < 0 ? 0 : NfcTables.CombiningClassRanks[at];
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        // Hangul: L + V → LV, LV + T → LVT (algorithmic, not in the tables)
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        var firsts = NfcTables.CompositionFirst;
        var lo = firsts.BinarySearch(first);
        if (lo >= 0)
        {
            while (lo > 0 && firsts[lo - 1] == first) lo--;
            for (var i = lo; i < firsts.Length && firsts[i] == first; i++)
            {
                if (NfcTables.CompositionSecond[i] == second)
                {
                    composite = NfcTables.CompositionResult[i];
                    return true;
                }
            }
        }
        composite = 0;
        return false;
    }
}
