using System.Globalization;
using System.Text;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): <c># HELP</c> and <c># TYPE</c> once per metric
/// family, then one <c>name{label="value",…} number</c> line per sample. Label values are escaped (\\, \", \n) and
/// numbers use the invariant culture (<c>+Inf</c>, <c>NaN</c> spelled as Prometheus expects).
/// </summary>
public sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    public PrometheusText Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public PrometheusText Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"").Append(Escape(labels[i].Value)).Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(Number(value)).Append('\n');
        return this;
    }

    /// <summary>A one-sample counter or gauge family.</summary>
    public PrometheusText Single(string name, string type, string help, double value) => Family(name, type, help).Sample(name, value);

    public PrometheusText Histogram(string name, string help, Histogram histogram) => Family(name, "histogram", help).HistogramSamples(name, histogram);

    /// <summary>The samples of one histogram series (buckets, +Inf, sum, count) under extra labels.</summary>
    public PrometheusText HistogramSamples(string name, Histogram histogram, params (string Name, string Value)[] labels)
    {
        var (buckets, count, sum) = histogram.Snapshot();
        foreach (var (bound, bucketCount) in buckets) Sample(name + "_bucket", bucketCount, [.. labels, ("le", Number(bound))]);
        Sample(name + "_bucket", count, [.. labels, ("le", "+Inf")]);
        Sample(name + "_sum", sum, labels);
        Sample(name + "_count", count, labels);
        return this;
    }

    public override string ToString() => _text.ToString();

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
