using System.Text.Json;

namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// What a caller asks the output to be (OpenAI's response_format, or a forced tool call), before it is compiled for a
/// tokenizer. Immutable; <see cref="Compile"/> throws <see cref="UnsupportedSchemaException"/> for what cannot be honoured.
/// </summary>
public abstract record OutputConstraint
{
    /// <summary>The grammar the output must match.</summary>
    public abstract GrammarNode Compile();
}

/// <summary>response_format <c>{"type": "json_object"}</c>: any JSON object.</summary>
public sealed record JsonObjectOutput : OutputConstraint
{
    public override GrammarNode Compile() => JsonSchemaCompiler.AnyObject(JsonLayout.Spaced);
}

/// <summary>response_format <c>{"type": "json_schema", "json_schema": {"schema": …, "strict": …}}</c>.</summary>
public sealed record JsonSchemaOutput(JsonElement Schema, bool Strict = false) : OutputConstraint
{
    public override GrammarNode Compile() => JsonSchemaCompiler.Compile(Schema, Strict, JsonLayout.Spaced);
}

/// <summary>
/// tool_choice <c>required</c> (<paramref name="OnlyFunction"/> null: one or more calls of any listed function) or a
/// named function (exactly one call of it), in Qwen's &lt;tool_call&gt; format (<see cref="ToolCallGrammar"/>).
/// <paramref name="SingleCall"/>: at most one call (OpenAI's parallel_tool_calls: false).
/// </summary>
public sealed record ToolCallOutput(IReadOnlyList<ToolFunction> Functions, string? OnlyFunction = null, bool SingleCall = false) : OutputConstraint
{
    public override GrammarNode Compile() => ToolCallGrammar.Build(Functions, OnlyFunction, SingleCall ? 1 : ToolCallGrammar.MaxCalls);
}
