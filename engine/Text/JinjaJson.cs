using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VLOrleans.Engine.Text;

/// <summary>
/// JSON exactly as the chat templates' <c>tojson</c> writes it (@huggingface/jinja, and Hugging Face's Python
/// <c>json.dumps(ensure_ascii=False)</c>): separators ", " and ": ", keys in their given order, non-ASCII kept,
/// strings escaped like JavaScript's JSON.stringify (\" \\ \b \f \n \r \t, other controls as \u00XX), numbers in
/// JavaScript's shortest form (2.0 → 2, 1e21 → 1e+21, 1.5e-7 → 1.5e-7).
/// </summary>
internal static class JinjaJson
{
    public static void Append(StringBuilder sb, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                var first = true;
                foreach (var p in value.EnumerateObject())
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendString(sb, p.Name);
                    sb.Append(": ");
                    Append(sb, p.Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!firstItem) sb.Append(", ");
                    firstItem = false;
                    Append(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(sb, value.GetString()!);
                break;
            case JsonValueKind.Number:
                sb.Append(FormatNumber(value.GetDouble()));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            // A lone surrogate is escaped (well-formed JSON.stringify); a valid pair is copied as is.
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                continue;
            }
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>ECMAScript Number::toString: shortest round-trip digits, exponent form outside 1e-7 ≤ |x| &lt; 1e21.</summary>
    internal static string FormatNumber(double x)
    {
        if (double.IsNaN(x) || double.IsInfinity(x)) return "null";   // JSON.stringify writes null for these
        if (x == 0) return "0";
        // Shortest round-trip digits and decimal exponent from .NET's "R" form (either "d.dddE±xx" or plain).
        var shortest = Math.Abs(x).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int pointAt;   // value = 0.digits × 10^pointAt
        var e = shortest.IndexOf('E');
        var mantissa = e < 0 ? shortest : shortest[..e];
        var exponent = e < 0 ? 0 : int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.');
        var intPart = dot < 0 ? mantissa : mantissa[..dot];
        var fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        digits = intPart + fracPart;
        pointAt = intPart.Length + exponent;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointAt--; }
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) return "0";

        var k = digits.Length;
        var n = pointAt;
        var sb = new StringBuilder(x < 0 ? "-" : "");
        if (k <= n && n <= 21) sb.Append(digits).Append('0', n - k);
        else if (0 < n && n <= 21) sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        else if (-6 < n && n <= 0) sb.Append("0.").Append('0', -n).Append(digits);
        else
        {
            sb.Append(digits[0]);
            if (k > 1) sb.Append('.').Append(digits, 1, k - 1);
            sb.Append('e').Append(n - 1 >= 0 ? "+" : "-").Append(Math.Abs(n - 1));
        }
        return sb.ToString();
    }
}
