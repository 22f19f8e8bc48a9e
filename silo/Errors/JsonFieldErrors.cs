using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VLOrleans.Silo.Errors;

/// <summary>
/// A JSON body the deserialiser refused, said in the client's words: the field as the client wrote it
/// (<c>max_tokens</c>, <c>messages[0].role</c>), what it must be (an integer, a number, a string…) and the start of
/// the value sent (at most <see cref="EchoLength"/> characters) — never a .NET type name
/// (<c>System.Nullable`1[System.Int32]</c>, <c>…ChatCompletionRequest</c>) or a parameter name. Every API that reads
/// JSON (session REST, OpenAI, <c>/api/v1/chat</c>) refuses through here, so the wording is the same everywhere.
/// </summary>
public static partial class JsonFieldErrors
{
    /// <summary>How much of an offending value a message repeats: enough to recognise it, never a whole base64 image.</summary>
    public const int EchoLength = 40;

    [GeneratedRegex(@"could not be converted to (?<type>[^\s]+?)\.\s")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"missing required properties including: (?<names>.+?)\.?$")]
    private static partial Regex MissingRequired();

    /// <summary>The 400 for <paramref name="exception"/>; <paramref name="body"/> (the bytes read) lets it quote the value.</summary>
    public static RequestRejectedException Rejected(JsonException exception, ReadOnlySpan<byte> body = default)
    {
        var message = exception.Message;
        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            var names = missing.Groups["names"].Value.Replace("'", "", StringComparison.Ordinal);
            return RequestRejectedException.Invalid($"{names} is required.", names.Split(',')[0].Trim());
        }
        var field = FieldOf(exception.Path);
        // A syntax error (the reader's, as the inner exception) is about the text, wherever the parser was.
        if (field is null || exception.InnerException?.GetType().Name == "JsonReaderException")
            return RequestRejectedException.Invalid($"The request body is not valid JSON: {Reason(message)}{Position(exception, field)}.", field);
        var expected = ConvertedTo().Match(message) is { Success: true } converted ? Expected(converted.Groups["type"].Value) : null;
        var echo = Echo(body, exception.Path!);
        var sent = echo is null ? "" : $" (got {echo})";
        return RequestRejectedException.Invalid(
            expected is null ? $"{field} is not valid here{sent}: {Reason(message)}." : $"{field} must be {expected}{sent}.", field);
    }

    /// <summary>A value the engine's validation refused (<c>TopP must be in (0, 1]. (Parameter 'TopP')</c>) as the 400 a
    /// client understands: <c>top_p must be in (0, 1].</c>, with <c>top_p</c> as the offending field.</summary>
    public static RequestRejectedException OutOfRange(ArgumentException exception)
    {
        var message = exception.Message;
        if (exception.ParamName is not { Length: > 0 } name) return RequestRejectedException.Invalid(message);
        var suffix = $" (Parameter '{name}')";
        if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        var field = JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
        if (message.StartsWith(name, StringComparison.Ordinal)) message = field + message[name.Length..];
        return RequestRejectedException.Invalid(message, field);
    }

    /// <summary>The field path as the client wrote it: <c>$.messages[0].content</c> → <c>messages[0].content</c>; null for the body itself.</summary>
    public static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal).TrimStart('.');
    }

    /// <summary>What a .NET target type means to a JSON client.</summary>
    public static string Expected(string dotNetType)
    {
        var type = dotNetType.StartsWith("System.Nullable`1[", StringComparison.Ordinal) ? dotNetType["System.Nullable`1[".Length..].TrimEnd(']') : dotNetType;
        if (type.EndsWith("[]", StringComparison.Ordinal) || type.Contains("List`1", StringComparison.Ordinal) || type.Contains("Enumerable`1", StringComparison.Ordinal))
            return "an array";
        return type switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" or "System.SByte" => "an integer",
            "System.UInt32" or "System.UInt64" or "System.UInt16" => "a non-negative integer",
            "System.Single" or "System.Double" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.String" or "System.Char" => "a string",
            "System.Text.Json.JsonElement" => "a JSON value",
            _ => "an object",
        };
    }

    /// <summary>The deserialiser's reason without its trailing position and without any .NET type name.</summary>
    private static string Reason(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var reason = (cut >= 0 ? message[..cut] : message).TrimEnd('.', ' ');
        if (ConvertedTo().IsMatch(reason + ". ")) return "the value has the wrong type";
        return reason.Contains("System.", StringComparison.Ordinal) || reason.Contains("VLOrleans.", StringComparison.Ordinal) ? "the value is not acceptable here" : reason;
    }

    private static string Position(JsonException e, string? field) => e.LineNumber is { } line
        ? $" ({(field is null ? "" : $"in {field}, ")}line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1})"
        : field is null ? "" : $" (in {field})";

    /// <summary>The value at <paramref name="path"/> in <paramref name="body"/>, as JSON, cut to <see cref="EchoLength"/> characters.</summary>
    private static string? Echo(ReadOnlySpan<byte> body, string path)
    {
        if (body.IsEmpty) return null;
        try
        {
            var node = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            foreach (var step in Steps(path))
            {
                node = step switch
                {
                    int index when node is JsonArray array && index < array.Count => array[index],
                    string name when node is JsonObject obj && obj.TryGetPropertyValue(name, out var child) => child,
                    _ => throw new KeyNotFoundException(),
                };
            }
            var text = node?.ToJsonString() ?? "null";
            return text.Length <= EchoLength ? text : text[..EchoLength] + "…";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The steps of a System.Text.Json path: <c>$.a[0]['b c']</c> → "a", 0, "b c".</summary>
    private static IEnumerable<object> Steps(string path)
    {
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not '.' and not '[') end++;
                yield return path[(i + 1)..end];
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) yield break;
                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index)) yield break;
                yield return index;
                i = end + 1;
            }
            else
            {
                yield break;
            }
        }
    }
}
