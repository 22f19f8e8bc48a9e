using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Models;

namespace VLOrleans.Grains.Inference;

/// <summary>
/// A request's <c>response_format</c>, <c>tools</c> and <c>tool_choice</c> in the engine's terms: the
/// <see cref="OutputConstraint"/> the sampler enforces, and the tool definitions the chat template renders. Everything
/// is checked here, before the engine sees it, so a bad value is a 400 naming the field the client wrote
/// (<see cref="RequestProblemException"/>: <c>invalid_request</c>, <c>unsupported_schema</c>, <c>tools_not_supported</c>),
/// never a 500. Used by both grains (session asks and one-shot completions) and, to refuse early, by the server.
/// </summary>
public static class RequestedOutput
{
    /// <summary>The stable code of a schema outside the supported subset (engine/Generation/Constraints/README.md).</summary>
    public const string UnsupportedSchema = "unsupported_schema";

    /// <summary>The stable code of tools sent to a model whose chat template has no tool section (Qwen2-VL, Qwen2.5-VL).</summary>
    public const string ToolsNotSupported = "tools_not_supported";

    /// <summary>The constraint <paramref name="format"/> asks for (null: free text).</summary>
    /// <exception cref="RequestProblemException">An unknown type, a missing or unsupported schema.</exception>
    public static OutputConstraint? Of(ResponseFormat? format)
    {
        if (format is null) return null;
        switch (format.Type)
        {
            case ResponseFormat.Text:
                return null;
            case ResponseFormat.JsonObject:
                return new JsonObjectOutput();
            case ResponseFormat.JsonSchemaType:
                if (format.JsonSchema?.Schema is not { } text) throw Invalid("response_format.json_schema.schema is missing: json_schema needs a schema.");
                var schema = Parse(text, "response_format.json_schema.schema");
                if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
                    throw Invalid("response_format.json_schema.schema must be a JSON Schema object.");
                return Checked(new JsonSchemaOutput(schema, format.JsonSchema.Strict ?? false), "response_format.json_schema.schema");
            case null:
                throw Invalid("response_format.type is missing: use text, json_object or json_schema.");
            case var other:
                throw Invalid($"response_format.type '{other}' is not supported: use text, json_object or json_schema.");
        }
    }

    /// <summary>
    /// The constraint a tool choice forces: <c>required</c> (one or more calls of the listed functions) or a named
    /// function (exactly one call of it); <c>auto</c>, <c>none</c> and no tools force nothing.
    /// </summary>
    /// <exception cref="RequestProblemException">A choice without tools, a name not among them, an unsupported parameters schema.</exception>
    public static OutputConstraint? Of(IReadOnlyList<CompletionTool> tools, CompletionToolChoice? choice, bool parallelCalls = true)
    {
        var mode = choice?.Mode ?? CompletionToolChoice.Auto;
        if (mode is CompletionToolChoice.Auto or CompletionToolChoice.None) return null;
        if (tools.Count == 0) throw Invalid($"tool_choice '{mode}' needs tools: the request lists none.");
        var functions = new ToolFunction[tools.Count];
        for (var i = 0; i < tools.Count; i++)
        {
            var field = $"tools[{i}].function.parameters";
            var t = tools[i];
            functions[i] = new ToolFunction(t.Name, t.ParametersJson is { } p ? Parse(p, field) : null, t.Strict);
            // each function alone first, so a refusal names the tool whose schema is unsupported
            if (mode == CompletionToolChoice.Required || t.Name == choice!.FunctionName) Checked(new ToolCallOutput([functions[i]], t.Name), field);
        }
        switch (mode)
        {
            case CompletionToolChoice.Required:
                return Checked(new ToolCallOutput(functions, SingleCall: !parallelCalls), "tools");
            case CompletionToolChoice.Function when choice!.FunctionName is { } name:
                if (!tools.Any(t => t.Name == name)) throw Invalid($"tool_choice.function.name '{name}' is not among the tools.");
                return Checked(new ToolCallOutput(functions, name), "tools");
            default:
                throw Invalid($"tool_choice '{mode}' is not supported: use auto, none, required or {{\"type\": \"function\", \"function\": {{\"name\": …}}}}.");
        }
    }

    /// <summary>The tool definitions the chat template renders (none under tool_choice <c>none</c>, so the model is
    /// not told it could call one).</summary>
    /// <exception cref="RequestProblemException"><c>tools_not_supported</c>: the family's template has no tools.</exception>
    public static IReadOnlyList<JsonElement>? PromptTools(QwenVlFamily family, IReadOnlyList<CompletionTool> tools, CompletionToolChoice? choice)
    {
        if (tools.Count == 0) return null;
        if (family != QwenVlFamily.Qwen3Vl)
        {
            throw new RequestProblemException(ProblemKind.InvalidRequest, ToolsNotSupported,
                $"tools: the served model ({family}) has a chat template without tools; tool calls need a Qwen3-VL model.");
        }
        if (choice?.Mode == CompletionToolChoice.None) return null;
        return tools.Select((t, i) => Parse(t.DefinitionJson, $"tools[{i}]")).ToArray();
    }

    /// <summary>Compiles the grammar once here (cheap: no vocabulary) so an unsupported keyword is refused with its name.</summary>
    private static OutputConstraint Checked(OutputConstraint output, string field)
    {
        try
        {
            output.Compile();
            return output;
        }
        catch (UnsupportedSchemaException e)
        {
            throw new RequestProblemException(ProblemKind.InvalidRequest, UnsupportedSchema, $"{field}: {e.Message}");
        }
        catch (GenerationRejectedException e)
        {
            throw new RequestProblemException(ProblemKind.InvalidRequest, e.Code, e.Message);
        }
    }

    private static JsonElement Parse(string json, string field)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Invalid($"{field} is not valid JSON.");
        }
    }

    private static RequestProblemException Invalid(string message) => new(ProblemKind.InvalidRequest, ProblemCodes.InvalidRequest, message);
}
