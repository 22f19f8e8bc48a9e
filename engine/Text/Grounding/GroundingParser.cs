using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VLOrleans.Engine.Text.Grounding;

/// <summary>
/// Finds Qwen grounding output in an answer: every JSON value in the text (bare, or inside a ```json fence; one object,
/// an array of them, or several values one after another) is read, and each object in it with a <c>bbox_2d</c> of four
/// numbers or a <c>point_2d</c> of two becomes an item, with its <c>label</c> when that is a string. Qwen2-VL's token
/// form <c>&lt;|object_ref_start|&gt;label&lt;|object_ref_end|&gt;&lt;|box_start|&gt;(x1,y1),(x2,y2)&lt;|box_end|&gt;</c>
/// (and the older <c>&lt;ref&gt;…&lt;/ref&gt;&lt;box&gt;…&lt;/box&gt;</c>) is read too when the markers are in the text.
/// Anything malformed is skipped; the parser never throws on model output.
/// </summary>
public static partial class GroundingParser
{
    private const int MaxDepth = 16;

    public static IReadOnlyList<GroundingItem> Parse(string text)
    {
        var items = new List<GroundingItem>();
        var bytes = Encoding.UTF8.GetBytes(text);
        var at = 0;
        while (at < bytes.Length)
        {
            var start = bytes.AsSpan(at).IndexOfAny((byte)'{', (byte)'[');
            if (start < 0) break;
            start += at;
            var consumed = TryReadValue(bytes.AsSpan(start), items);
            at = consumed > 0 ? start + consumed : start + 1;
        }
        foreach (Match m in TokenBoxPattern().Matches(text))
        {
            var label = m.Groups["label"].Success ? m.Groups["label"].Value.Trim() : null;
            double[] values = [Number(m, "x1"), Number(m, "y1"), Number(m, "x2"), Number(m, "y2")];
            items.Add(new GroundingItem(GroundingKind.Box, string.IsNullOrEmpty(label) ? null : label, values));
        }
        return items;
    }

    /// <summary>Reads one JSON value at the start of <paramref name="utf8"/>, collects its boxes, and returns the bytes it
    /// took (0 when no complete value starts there).</summary>
    private static int TryReadValue(ReadOnlySpan<byte> utf8, List<GroundingItem> items)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = true, MaxDepth = 64 });
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out var document) || document is null) return 0;
            using (document)
            {
                Collect(document.RootElement, items, 0);
            }
            return (int)reader.BytesConsumed;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private static void Collect(JsonElement element, List<GroundingItem> items, int depth)
    {
        if (depth > MaxDepth) return;
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in element.EnumerateArray()) Collect(child, items, depth + 1);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object) return;
        var label = element.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
        if (element.TryGetProperty("bbox_2d", out var box) && Numbers(box, 4) is { } b)
        {
            items.Add(new GroundingItem(GroundingKind.Box, label, b));
        }
        else if (element.TryGetProperty("point_2d", out var point) && Numbers(point, 2) is { } p)
        {
            items.Add(new GroundingItem(GroundingKind.Point, label, p));
        }
        else
        {
            // a wrapper such as {"objects": [...]}: look inside
            foreach (var property in element.EnumerateObject()) Collect(property.Value, items, depth + 1);
        }
    }

    private static double[]? Numbers(JsonElement array, int count)
    {
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != count) return null;
        var values = new double[count];
        var i = 0;
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out values[i]) || !double.IsFinite(values[i])) return null;
            i++;
        }
        return values;
    }

    private static double Number(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?:(?:<\|object_ref_start\|>|<ref>)(?<label>[^<]{0,200})(?:<\|object_ref_end\|>|</ref>)\s*)?(?:<\|box_start\|>|<box>)\s*\(\s*(?<x1>\d{1,5}(?:\.\d+)?)\s*,\s*(?<y1>\d{1,5}(?:\.\d+)?)\s*\)\s*,\s*\(\s*(?<x2>\d{1,5}(?:\.\d+)?)\s*,\s*(?<y2>\d{1,5}(?:\.\d+)?)\s*\)\s*(?:<\|box_end\|>|</box>)")]
    private static partial Regex TokenBoxPattern();
}
