using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// The grammar of Qwen's tool calls, as the Qwen2.5/Qwen3-VL chat templates render an assistant's tool_calls:
/// <code>
/// &lt;tool_call&gt;\n{"name": "NAME", "arguments": ARGS}\n&lt;/tool_call&gt;
/// </code>
/// with &lt;tool_call&gt; and &lt;/tool_call&gt; the added tokens 151657/151658 and several calls joined by "\n"
/// (templates: <c>'&lt;tool_call&gt;\n{"name": "' + name + '", "arguments": ' + (arguments | tojson) + '}\n&lt;/tool_call&gt;'</c>,
/// a "\n" before every call but the first). ARGS follows the function's parameter schema, written like <c>tojson</c>
/// (", " and ": ").
/// </summary>
public static class ToolCallGrammar
{
    /// <summary>How many calls one answer may hold under tool_choice "required" (a bound keeps the grammar finite).</summary>
    public const int MaxCalls = 8;

    private static readonly JsonSerializerOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <exception cref="UnsupportedSchemaException">A function's parameters use an unsupported keyword.</exception>
    /// <exception cref="GenerationRejectedException"><c>invalid_tool_choice</c>: no functions, or <paramref name="onlyFunction"/> is not among them.</exception>
    /// <param name="maxCalls">At most this many calls (OpenAI's parallel_tool_calls: false is 1); at most <see cref="MaxCalls"/>.</param>
    public static GrammarNode Build(IReadOnlyList<ToolFunction> functions, string? onlyFunction, int maxCalls = MaxCalls)
    {
        var chosen = onlyFunction is null ? functions : functions.Where(f => f.Name == onlyFunction).ToArray();
        if (chosen.Count == 0)
        {
            throw new GenerationRejectedException(GenerationRejection.InvalidToolChoice,
                onlyFunction is null ? "tool_choice needs at least one function in tools." : $"tool_choice names '{onlyFunction}', which is not among the tools.");
        }
        var calls = chosen.Select(Call).ToArray();
        GrammarNode call = calls.Length == 1 ? calls[0] : new ChoiceNode(calls);
        return onlyFunction is null && maxCalls > 1 ? new RepeatNode(call, LiteralNode.Of("\n"), 1, Math.Min(maxCalls, MaxCalls)) : call;
    }

    private static GrammarNode Call(ToolFunction function)
    {
        var arguments = function.Parameters is { } schema
            ? JsonSchemaCompiler.Compile(schema, function.Strict, JsonLayout.Spaced)
            : JsonSchemaCompiler.AnyObject(JsonLayout.Spaced);
        var name = JsonSerializer.Serialize(function.Name, Writer); // quoted; a name needing escapes stays valid JSON
        return new SequenceNode(
            new SpecialTokenNode(SpecialTokens.ToolCallStart),
            new LiteralNode([Encoding.UTF8.GetBytes($"\n{{\"name\": {name}, \"arguments\": ")]),
            arguments,
            LiteralNode.Of("}\n"),
            new SpecialTokenNode(SpecialTokens.ToolCallEnd));
    }
}
