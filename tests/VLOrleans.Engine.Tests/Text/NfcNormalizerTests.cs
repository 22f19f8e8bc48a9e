using System.Text.Json;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>
/// NFC against JavaScript's String.prototype.normalize (ICU in Node; what transformers.js uses). Golden file
/// tests/fixtures/text/nfc_golden.json from tools/reference/text/make_nfc_golden.mjs: every code point that NFC
/// or NFD changes and its NFD form, 3,000 random base+mark sequences, Hangul jamo sequences.
/// </summary>
public sealed class NfcNormalizerTests
{
    [Fact]
    public void Matches_javascript_normalize_on_every_golden_case()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "text", "nfc_golden.json")));
        var failures = new List<string>();
        var count = 0;
        foreach (var pair in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var input = pair[0].GetString()!;
            var expected = pair[1].GetString()!;
            count++;
            var actual = NfcNormalizer.Normalize(input);
            if (actual != expected && failures.Count < 10)
                failures.Add($"{Hex(input)}: expected {Hex(expected)} got {Hex(actual)}");
            // The quick check may say "no" for NFC text (Maybe chars) but never "yes" for text that changes.
            if (NfcNormalizer.IsNormalized(input) && input != expected && failures.Count < 10)
                failures.Add($"{Hex(input)}: quick check said normalized");
        }
        Assert.True(count > 7000, $"only {count} cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("cafe\u0301", "café")]
    [InlineData("\u212B", "\u00C5")]          // ANGSTROM SIGN → Å (singleton decomposition)
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // jamo L V T → 각
    [InlineData("plain ascii", "plain ascii")]
    public void Known_pairs(string input, string expected)
    {
        Assert.Equal(expected, NfcNormalizer.Normalize(input));
    }

    private static string Hex(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4")));
}
