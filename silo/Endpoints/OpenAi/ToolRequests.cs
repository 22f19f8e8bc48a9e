using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// The tool-calling fields of an OpenAI chat request — <c>tools</c>, <c>tool_choice</c>, an assistant message's
/// <c>tool_calls</c> — read into contract records, with a 400 naming the exact field for anything malformed; and
/// <c>response_format</c> with the tools checked against the constrained-decoding subset here, where the refusal can
/// still name the field (the grains check again: <see cref="RequestedOutput"/>).
/// </summary>
public static class ToolRequests
{
    /// <summary>OpenAI's limit on tools per request.</summary>
    public const int MaxTools = 128;

    public static IReadOnlyList<CompletionTool> Tools(JsonElement? tools)
    {
        if (tools is not { } list || list.ValueKind == JsonValueKind.Null) return [];
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxTools)
            throw RequestRejectedException.Invalid($"tools must be an array of at most {MaxTools} tools.", "tools");
        var result = new List<CompletionTool>();
        var index = 0;
        foreach (var tool in list.EnumerateArray())
        {
            var param = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw RequestRejectedException.Invalid($"{param} must be an object with a \"type\".", param);
            if (type.GetString() != "function")
                throw RequestRejectedException.Invalid($"{param}.type '{type.GetString()}' is not supported: only function tools are.", $"{param}.type");
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw RequestRejectedException.Invalid($"{param}.function must be an object.", $"{param}.function");
            if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n)
                throw RequestRejectedException.Invalid($"{param}.function.name must be a non-empty string.", $"{param}.function.name");
            if (result.Any(t => t.Name == n))
                throw RequestRejectedException.Invalid($"{param}.function.name '{n}' is listed twice.", $"{param}.function.name");
            string? parameters = null;
            if (function.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind != JsonValueKind.Object) throw RequestRejectedException.Invalid($"{param}.function.parameters must be a JSON Schema object.", $"{param}.function.parameters");
                parameters = p.GetRawText();
            }
            var strict = function.TryGetProperty("strict", out var s) && s.ValueKind == JsonValueKind.True;
            result.Add(new CompletionTool(n, tool.GetRawText(), parameters, strict));
        }
        return result;
    }

    public static CompletionToolChoice? Choice(JsonElement? choice, IReadOnlyList<CompletionTool> tools)
    {
        if (choice is not { } c || c.ValueKind == JsonValueKind.Null) return null;
        CompletionToolChoice result;
        if (c.ValueKind == JsonValueKind.String)
        {
            result = c.GetString() switch
            {
                CompletionToolChoice.Auto or CompletionToolChoice.None or CompletionToolChoice.Required => new CompletionToolChoice(c.GetString()!),
                var other => throw RequestRejectedException.Invalid($"tool_choice '{other}' is not supported: use auto, none, required or a named function.", "tool_choice"),
            };
        }
        else if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function"
                 && c.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
                 && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            if (!tools.Any(t => t.Name == name.GetString()))
                throw RequestRejectedException.Invalid($"tool_choice.function.name '{name.GetString()}' is not among the tools.", "tool_choice.function.name");
            result = new CompletionToolChoice(CompletionToolChoice.Function, name.GetString());
        }
        else
        {
            throw RequestRejectedException.Invalid("tool_choice must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": …}}.", "tool_choice");
        }
        if (tools.Count == 0 && result.Mode is CompletionToolChoice.Required or CompletionToolChoice.Function)
            throw RequestRejectedException.Invalid($"tool_choice '{result.Mode}' needs tools: the request lists none.", "tool_choice");
        return result;
    }

    /// <summary>True when the answer is read for tool calls: tools are given and tool_choice is not <c>none</c>.</summary>
    public static bool ParsesCalls(IReadOnlyList<CompletionTool> tools, CompletionToolChoice? choice) => tools.Count > 0 && choice?.Mode != CompletionToolChoice.None;

    /// <summary>An assistant message's earlier tool calls (null when it has none).</summary>
    public static IReadOnlyList<CompletionToolCall>? Calls(JsonElement? calls, string role, string param)
    {
        if (calls is not { } list || list.ValueKind == JsonValueKind.Null) return null;
        if (role != ChatRole.Assistant) throw RequestRejectedException.Invalid($"{param} belongs on an assistant message.", param);
        if (list.ValueKind != JsonValueKind.Array) throw RequestRejectedException.Invalid($"{param} must be an array.", param);
        var result = new List<CompletionToolCall>();
        var index = 0;
        foreach (var call in list.EnumerateArray())
        {
            var at = $"{param}[{index++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw RequestRejectedException.Invalid($"{at}.function must be an object.", $"{at}.function");
            if (call.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.Null && (type.ValueKind != JsonValueKind.String || type.GetString() != "function"))
                throw RequestRejectedException.Invalid($"{at}.type must be \"function\".", $"{at}.type");
            if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n)
                throw RequestRejectedException.Invalid($"{at}.function.name must be a non-empty string.", $"{at}.function.name");
            // OpenAI sends arguments as a string holding JSON; the template writes that string verbatim
            var arguments = function.TryGetProperty("arguments", out var a) ? a : default;
            var text = arguments.ValueKind switch
            {
                JsonValueKind.String => arguments.GetString()!,
                JsonValueKind.Undefined or JsonValueKind.Null => "{}",
                _ => throw RequestRejectedException.Invalid($"{at}.function.arguments must be a string holding JSON.", $"{at}.function.arguments"),
            };
            var id = call.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "";
            result.Add(new CompletionToolCall(id, n, text));
        }
        return result.Count > 0 ? result : null;
    }

    /// <summary>
    /// Checks response_format and a forcing tool_choice against the supported JSON Schema subset now, so the 400 names
    /// the field (<c>unsupported_schema</c> with the keyword and where it is in the schema).
    /// </summary>
    public static void CheckOutput(ResponseFormat? format, IReadOnlyList<CompletionTool> tools, CompletionToolChoice? choice, bool parallelCalls)
    {
        var forcing = choice?.Mode is CompletionToolChoice.Required or CompletionToolChoice.Function;
        if (forcing && format is not null && format.Type != ResponseFormat.Text)
            throw RequestRejectedException.Invalid("tool_choice forces a tool call, which response_format forbids: send one or the other.", "tool_choice");
        Refusal(() => RequestedOutput.Of(format), "response_format");
        Refusal(() => RequestedOutput.Of(tools, choice, parallelCalls), "tools");
    }

    private static void Refusal(Action check, string param)
    {
        try
        {
            check();
        }
        catch (RequestProblemException e)
        {
            // the grain-side messages start with the field they are about ("tools[2].function.parameters: …")
            var field = e.Message.Split([' ', ':'], 2)[0];
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, e.Code, e.Message, field.StartsWith(param, StringComparison.Ordinal) ? field : param);
        }
    }
}
