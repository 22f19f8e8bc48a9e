using System.Globalization;
using System.Text.RegularExpressions;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4) as its specification states it: every line is
/// <c># HELP name text</c>, <c># TYPE name counter|gauge|histogram|summary|untyped</c>, or a sample
/// <c>name{label="value",…} number</c>. Any other line fails the parse.
/// </summary>
public sealed partial class PrometheusSamples
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);

    public static PrometheusSamples Parse(string text)
    {
        var result = new PrometheusSamples();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                Assert.Matches(CommentLine(), line);
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            Assert.True(result._samples.TryAdd(match.Groups["series"].Value, value), $"duplicate series: {line}");
        }
        return result;
    }

    /// <summary>The value of a series, spelled as in the text (<c>name</c> or <c>name{a="b"}</c>); 0 when absent.</summary>
    public double this[string series] => _samples.GetValueOrDefault(series);

    public bool Has(string series) => _samples.ContainsKey(series);

    public IEnumerable<string> Series => _samples.Keys;

    public static async Task<PrometheusSamples> ScrapeAsync(HttpClient http) => Parse(await http.GetStringAsync("/metrics"));

    [GeneratedRegex(@"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*""(,[a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*"")*\})?) (?<value>[-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|Inf)|NaN)$")]
    private static partial Regex SampleLine();
}
