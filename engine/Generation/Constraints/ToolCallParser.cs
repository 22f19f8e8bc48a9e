using System.Text.Json;

namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>One call the model made: the function's name and its arguments as a JSON text (OpenAI sends them as a string).</summary>
public sealed record ParsedToolCall(string Name, string ArgumentsJson);

/// <summary>An answer split into its prose and its tool calls.</summary>
public sealed record ToolCallParseResult(string Content, IReadOnlyList<ParsedToolCall> Calls);

/// <summary>
/// Reads Qwen's tool calls out of a finished answer: every <c>&lt;tool_call&gt;…&lt;/tool_call&gt;</c> block whose body is
/// a JSON object with a string "name" and an "arguments" object (or a string holding one, which some fine-tunes
/// write) becomes a call; text outside the blocks is the content. A block that does not parse, or one cut off by
/// max_tokens, stays in the content as written, so nothing the model said is lost.
/// </summary>
public static class ToolCallParser
{
    public const string Open = "<tool_call>";
    public const string Close = "</tool_call>";

    public static ToolCallParseResult Parse(string text)
    {
        var calls = new List<ParsedToolCall>();
        var content = new System.Text.StringBuilder();
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf(Open, at, StringComparison.Ordinal);
            if (open < 0) break;
            var close = text.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            if (close < 0) break;
            var body = text[(open + Open.Length)..close];
            if (TryParseBody(body, out var call))
            {
                content.Append(text, at, open - at);
                calls.Add(call);
            }
            else
            {
                content.Append(text, at, close + Close.Length - at);
            }
            at = close + Close.Length;
        }
        content.Append(text, at, text.Length - at);
        return new ToolCallParseResult(calls.Count > 0 ? content.ToString().Trim() : content.ToString(), calls);
    }

    /// <summary>Parses one block's body (<c>{"name": …, "arguments": …}</c>, whitespace around it allowed).</summary>
    public static bool TryParseBody(string body, out ParsedToolCall call)
    {
        call = null!;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n) return false;
            string arguments;
            if (!root.TryGetProperty("arguments", out var args)) arguments = "{}";
            else if (args.ValueKind == JsonValueKind.Object) arguments = args.GetRawText();
            else if (args.ValueKind == JsonValueKind.String && IsJsonObject(args.GetString()!)) arguments = args.GetString()!;
            else return false;
            call = new ParsedToolCall(n, arguments);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
