using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, written from its specification (not from the
/// exporter): lines end in <c>\n</c>; <c># HELP name text</c> (escapes <c>\\</c> and <c>\n</c> only) and
/// <c># TYPE name counter|gauge|histogram|summary|untyped</c> at most once per family, the TYPE before the family's
/// first sample; other <c>#</c> lines are comments; a sample is <c>name{label="value",…} value [timestamp]</c> with
/// label values escaping <c>\\</c>, <c>\"</c>, <c>\n</c>; all lines of a family form one group; no series twice. On top,
/// what the format implies: counters are never negative or NaN; a histogram's series each have <c>le</c> buckets in
/// ascending order with non-decreasing counts, a <c>+Inf</c> bucket equal to <c>_count</c>, and a <c>_sum</c>.
/// Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
public sealed partial class PrometheusSamples
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private readonly List<Sample> _samples = [];
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _help = new(StringComparer.Ordinal);

    /// <summary>One sample line: its metric name, labels in the order written, value and optional timestamp (ms).</summary>
    public sealed record Sample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, long? TimestampMs)
    {
        public string? Label(string name) => Labels.FirstOrDefault(l => l.Key == name).Value;

        /// <summary>The series as written: <c>name</c> or <c>name{a="b",…}</c>.</summary>
        public string Series => Labels.Count == 0 ? Name : $"{Name}{{{string.Join(',', Labels.Select(l => $"{l.Key}=\"{Escape(l.Value)}\""))}}}";
    }

    public static PrometheusSamples Parse(string text)
    {
        var result = new PrometheusSamples();
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the last line must end with a line feed");
        var lines = text.Split('\n');
        var finished = new HashSet<string>(StringComparer.Ordinal); // families whose group has ended
        string? current = null;
        var series = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim(' ', '\t');
            if (line.Length == 0) continue;
            try
            {
                string family;
                if (line[0] == '#')
                {
                    var tokens = line[1..].TrimStart(' ', '\t');
                    var keyword = tokens.StartsWith("HELP ", StringComparison.Ordinal) || tokens.StartsWith("HELP\t", StringComparison.Ordinal) ? "HELP"
                        : tokens.StartsWith("TYPE ", StringComparison.Ordinal) || tokens.StartsWith("TYPE\t", StringComparison.Ordinal) ? "TYPE" : null;
                    if (keyword is null) continue; // a comment
                    var rest = tokens[4..].TrimStart(' ', '\t');
                    var nameEnd = rest.IndexOfAny([' ', '\t']);
                    family = nameEnd < 0 ? rest : rest[..nameEnd];
                    var argument = nameEnd < 0 ? "" : rest[(nameEnd + 1)..].TrimStart(' ', '\t');
                    if (!MetricName().IsMatch(family)) throw new FormatException($"bad metric name '{family}'");
                    if (keyword == "HELP")
                    {
                        if (!result._help.TryAdd(family, Unescape(argument, allowQuote: false))) throw new FormatException($"a second HELP for {family}");
                    }
                    else
                    {
                        if (!Types.Contains(argument)) throw new FormatException($"unknown type '{argument}'");
                        if (result._samples.Any(s => s.Name == family || s.Name == family + "_bucket" || s.Name == family + "_sum" || s.Name == family + "_count")) throw new FormatException($"TYPE for {family} after its samples");
                        if (!result._types.TryAdd(family, argument)) throw new FormatException($"a second TYPE for {family}");
                    }
                }
                else
                {
                    var sample = ParseSample(line);
                    if (!series.Add(Canonical(sample.Name, sample.Labels))) throw new FormatException($"series {sample.Series} appears twice");
                    family = FamilyOf(sample.Name, result._types);
                    if (result._types.GetValueOrDefault(family) == "counter" && !(sample.Value >= 0)) throw new FormatException($"counter {sample.Name} is {sample.Value}");
                    result._samples.Add(sample);
                }
                if (family != current)
                {
                    if (current is not null) finished.Add(current);
                    if (finished.Contains(family)) throw new FormatException($"the lines of {family} are not one group");
                    current = family;
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {i + 1} '{lines[i]}': {e.Message}", e);
            }
        }
        foreach (var (name, type) in result._types)
        {
            if (type == "histogram") result.CheckHistogram(name);
        }
        return result;
    }

    /// <summary>
    /// The value of the one sample that a selector picks, 0 when none does. A selector is <c>name</c> or
    /// <c>name{a="b",…}</c>: the sample must have that name and carry those labels with those values, and may carry
    /// more (as in PromQL; the exporter adds <c>otel_scope_name</c>). Two samples matching is an error in the test.
    /// </summary>
    public double this[string selector] => Find(selector)?.Value ?? 0;

    public bool Has(string selector) => Find(selector) is not null;

    /// <summary>Every series, as written, in the order written.</summary>
    public IEnumerable<string> Series => _samples.Select(s => s.Series);

    public IReadOnlyList<Sample> Samples => _samples;

    /// <summary>The family's declared type (<c># TYPE</c>), or null when it has none.</summary>
    public string? TypeOf(string family) => _types.GetValueOrDefault(family);

    public string? HelpOf(string family) => _help.GetValueOrDefault(family);

    /// <summary>The samples a selector picks (see the indexer).</summary>
    public IReadOnlyList<Sample> Select(string selector)
    {
        var wanted = ParseSeries(selector, out var end);
        if (end != selector.Length) throw new FormatException($"bad selector '{selector}'");
        return _samples.Where(s => s.Name == wanted.Name && wanted.Labels.All(l => s.Label(l.Key) == l.Value)).ToArray();
    }

    public static async Task<PrometheusSamples> ScrapeAsync(HttpClient http) => Parse(await http.GetStringAsync("/metrics"));

    private Sample? Find(string selector)
    {
        var matches = Select(selector);
        Assert.True(matches.Count <= 1, $"'{selector}' picks {matches.Count} series: {string.Join(", ", matches.Select(m => m.Series))}");
        return matches.Count == 1 ? matches[0] : null;
    }

    private void CheckHistogram(string name)
    {
        var members = _samples.Where(s => s.Name == name + "_bucket" || s.Name == name + "_sum" || s.Name == name + "_count");
        foreach (var group in members.GroupBy(s => Canonical("", s.Labels.Where(l => l.Key != "le").ToArray()), StringComparer.Ordinal))
        {
            var buckets = group.Where(s => s.Name == name + "_bucket").ToArray();
            if (buckets.Any(b => b.Label("le") is null)) throw new FormatException($"{name}: a bucket without le");
            var bounds = buckets.Select(b => ParseValue(b.Label("le")!)).ToArray();
            for (var i = 1; i < buckets.Length; i++)
            {
                if (!(bounds[i] > bounds[i - 1])) throw new FormatException($"{name}{group.Key}: le bounds not ascending");
                if (buckets[i].Value < buckets[i - 1].Value) throw new FormatException($"{name}{group.Key}: bucket counts not cumulative");
            }
            if (buckets.Length == 0 || !double.IsPositiveInfinity(bounds[^1])) throw new FormatException($"{name}{group.Key}: no +Inf bucket");
            var count = group.SingleOrDefault(s => s.Name == name + "_count") ?? throw new FormatException($"{name}{group.Key}: no _count");
            if (group.All(s => s.Name != name + "_sum")) throw new FormatException($"{name}{group.Key}: no _sum");
            if (count.Value != buckets[^1].Value) throw new FormatException($"{name}{group.Key}: _count {count.Value} ≠ +Inf bucket {buckets[^1].Value}");
        }
    }

    /// <summary>The family a sample belongs to: a histogram's <c>_bucket</c>/<c>_sum</c>/<c>_count</c> and a summary's
    /// <c>_sum</c>/<c>_count</c> belong to the declared base name; anything else to its own name.</summary>
    private static string FamilyOf(string sample, Dictionary<string, string> types)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (!sample.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var baseName = sample[..^suffix.Length];
            var type = types.GetValueOrDefault(baseName);
            if (type == "histogram" || (type == "summary" && suffix != "_bucket")) return baseName;
        }
        return sample;
    }

    private static Sample ParseSample(string line)
    {
        var (name, labels) = ParseSeries(line, out var at);
        var rest = line[at..];
        if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '\t')) throw new FormatException("no blank before the value");
        var parts = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) throw new FormatException("expected a value and at most a timestamp");
        long? timestamp = parts.Length == 2
            ? long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t) ? t : throw new FormatException($"bad timestamp '{parts[1]}'")
            : null;
        return new Sample(name, labels, ParseValue(parts[0]), timestamp);
    }

    /// <summary>Reads <c>name</c> or <c>name{…}</c> from the start of <paramref name="text"/>; <paramref name="end"/> is where it stops.</summary>
    private static (string Name, List<KeyValuePair<string, string>> Labels) ParseSeries(string text, out int end)
    {
        var i = 0;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or ':')) i++;
        var name = text[..i];
        if (!MetricName().IsMatch(name)) throw new FormatException($"bad metric name '{name}'");
        var labels = new List<KeyValuePair<string, string>>();
        if (i < text.Length && text[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < text.Length && text[i] is ' ' or '\t') i++;
                if (i < text.Length && text[i] == '}')
                {
                    i++;
                    break;
                }
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                var label = text[start..i];
                if (!LabelName().IsMatch(label) || label.StartsWith("__", StringComparison.Ordinal)) throw new FormatException($"bad label name '{label}'");
                if (labels.Any(l => l.Key == label)) throw new FormatException($"label {label} twice");
                while (i < text.Length && text[i] is ' ' or '\t') i++;
                if (i + 1 >= text.Length || text[i] != '=' || text[i + 1] != '"') throw new FormatException($"label {label}: expected =\"");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= text.Length) throw new FormatException($"label {label}: unterminated value");
                    var c = text[i++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (i >= text.Length) throw new FormatException($"label {label}: dangling backslash");
                        value.Append(text[i++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"label {label}: bad escape \\{other}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }
                labels.Add(new(label, value.ToString()));
                while (i < text.Length && text[i] is ' ' or '\t') i++;
                if (i < text.Length && text[i] == ',') i++;
                else if (i >= text.Length || text[i] != '}') throw new FormatException("expected , or } after a label");
            }
        }
        end = i;
        return (name, labels);
    }

    /// <summary>A sample value as Go's ParseFloat reads it (what Prometheus uses): a decimal float, NaN, ±Inf.</summary>
    private static double ParseValue(string text)
    {
        switch (text)
        {
            case "NaN": return double.NaN;
            case "+Inf" or "Inf": return double.PositiveInfinity;
            case "-Inf": return double.NegativeInfinity;
        }
        if (!FloatValue().IsMatch(text)) throw new FormatException($"bad value '{text}'");
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string Unescape(string text, bool allowQuote)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }
            if (++i == text.Length) throw new FormatException("dangling backslash");
            result.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when allowQuote => '"',
                var other => throw new FormatException($"bad escape \\{other}"),
            });
        }
        return result.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A series' identity: its name and its labels in name order (label order does not make a new series).</summary>
    private static string Canonical(string name, IReadOnlyList<KeyValuePair<string, string>> labels) =>
        name + "{" + string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{Escape(l.Value)}\"")) + "}";

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatValue();
}
