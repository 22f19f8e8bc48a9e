namespace VLOrleans.Contracts;

// A stateless chat completion (POST /v1/chat/completions) as the one-shot grain takes and streams it. Only plain
// data crosses the grain boundary: images travel as their encoded bytes and are decoded, checked and encoded by the
// vision tower on the silo that answers (a prepared image never leaves its silo); sampling values are overrides that
// the silo resolves against its model's defaults (generation_config.json).

/// <summary>A whole conversation to complete, with the caller's generation settings.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionRequest")]
public sealed record CompletionRequest
{
    [Id(0)] public required IReadOnlyList<CompletionMessage> Messages { get; init; }

    [Id(1)] public CompletionSampling Sampling { get; init; } = new();

    /// <summary>The answer's token budget; null = as much as the slot's context leaves after the prompt, within
    /// <see cref="MaxTokensLimit"/> (OpenAI's behaviour when max_tokens is absent). Resolved on the silo, which
    /// knows the prompt's length.</summary>
    [Id(2)] public int? MaxTokens { get; init; }

    /// <summary>The server's answer limit (VLO:Limits:MaxAnswerTokens), the ceiling of a resolved budget.</summary>
    [Id(3)] public required int MaxTokensLimit { get; init; }

    [Id(4)] public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Generate exactly the budget, past any end-of-sequence token (benchmarks).</summary>
    [Id(5)] public bool IgnoreEos { get; init; }

    [Id(6)] public bool Logprobs { get; init; }

    [Id(7)] public int TopLogprobs { get; init; }

    /// <summary>What the answer must be (JSON, JSON matching a schema); null or <c>text</c> = free text.</summary>
    [Id(8)] public ResponseFormat? ResponseFormat { get; init; }

    /// <summary>Functions the model may call, rendered into the prompt by the family's chat template.</summary>
    [Id(9)] public IReadOnlyList<CompletionTool> Tools { get; init; } = [];

    /// <summary>Whether and which tool the model must call; null = <c>auto</c> when there are tools.</summary>
    [Id(10)] public CompletionToolChoice? ToolChoice { get; init; }

    /// <summary>False: at most one tool call per answer (OpenAI's parallel_tool_calls).</summary>
    [Id(11)] public bool ParallelToolCalls { get; init; } = true;
}

/// <summary>
/// A function the model may call. <see cref="DefinitionJson"/> is the tool as the client wrote it
/// (<c>{"type": "function", "function": {…}}</c>), which the chat template renders verbatim into the prompt;
/// <see cref="ParametersJson"/> is its arguments' JSON Schema (null: any object), enforced when the call is forced.
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionTool")]
public sealed record CompletionTool(
    [property: Id(0)] string Name,
    [property: Id(1)] string DefinitionJson,
    [property: Id(2)] string? ParametersJson,
    [property: Id(3)] bool Strict);

/// <summary>OpenAI's tool_choice: <see cref="Mode"/> <c>auto</c>, <c>none</c>, <c>required</c>, or <c>function</c>
/// with <see cref="FunctionName"/> (exactly one call of that function).</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionToolChoice")]
public sealed record CompletionToolChoice([property: Id(0)] string Mode, [property: Id(1)] string? FunctionName = null)
{
    public const string Auto = "auto";
    public const string None = "none";
    public const string Required = "required";
    public const string Function = "function";
}

/// <summary>A call an earlier assistant turn made (sent back with the tool's result): arguments as their JSON text.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionToolCall")]
public sealed record CompletionToolCall([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] string ArgumentsJson);

/// <summary>One message: a role (system, user, assistant, tool) and either plain <see cref="Text"/> or a list of
/// <see cref="Parts"/> (only list content carries images, as in the chat templates); an assistant message may carry
/// the <see cref="ToolCalls"/> it made.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionMessage")]
public sealed record CompletionMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string? Text,
    [property: Id(2)] IReadOnlyList<CompletionPart>? Parts,
    [property: Id(3)] IReadOnlyList<CompletionToolCall>? ToolCalls = null);

/// <summary>A content part: text, or an image as its encoded bytes (JPEG, PNG, …, size-checked by the caller).</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionPart")]
public sealed record CompletionPart([property: Id(0)] string? Text, [property: Id(1)] byte[]? Image)
{
    public static CompletionPart OfText(string text) => new(text, null);

    public static CompletionPart OfImage(byte[] image) => new(null, image);
}

/// <summary>Sampling overrides; each null keeps the model's default.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionSampling")]
public sealed record CompletionSampling
{
    [Id(0)] public float? Temperature { get; init; }
    [Id(1)] public float? TopP { get; init; }
    [Id(2)] public int? TopK { get; init; }
    [Id(3)] public float? MinP { get; init; }
    [Id(4)] public float? RepetitionPenalty { get; init; }
    [Id(5)] public float? PresencePenalty { get; init; }
    [Id(6)] public float? FrequencyPenalty { get; init; }
    [Id(7)] public ulong? Seed { get; init; }
}

/// <summary>
/// What a completion streams, in order: one <see cref="CompletionAccepted"/> once the request is queued (so a refusal
/// — a bad image, a full queue, a prompt that does not fit — arrives before it, while the caller can still answer with
/// an HTTP error), then <see cref="CompletionDelta"/>s, then exactly one <see cref="CompletionFinished"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionItem")]
public abstract record CompletionItem;

/// <summary>The request is queued on the silo's engine; <see cref="Fingerprint"/> names model and weights.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionAccepted")]
public sealed record CompletionAccepted([property: Id(0)] string Fingerprint) : CompletionItem;

/// <summary>Text a token adds (possibly empty), and that token's log-probability when they were asked for and
/// OpenAI shows one (not for the stop token that ends the answer).</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionDelta")]
public sealed record CompletionDelta([property: Id(0)] string Text, [property: Id(1)] CompletionLogprob? Logprob) : CompletionItem;

/// <summary>Why the answer ended (<c>stop</c>, <c>length</c>) and its token counts.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionFinished")]
public sealed record CompletionFinished(
    [property: Id(0)] string FinishReason,
    [property: Id(1)] int PromptTokens,
    [property: Id(2)] int CachedPromptTokens,
    [property: Id(3)] int CompletionTokens) : CompletionItem;

/// <summary>A generated token: its text on its own (U+FFFD for part of a character), its exact UTF-8 bytes, its
/// log-probability and the most likely alternatives.</summary>
[GenerateSerializer, Immutable, Alias("vlo.CompletionLogprob")]
public sealed record CompletionLogprob(
    [property: Id(0)] string Token,
    [property: Id(1)] float Logprob,
    [property: Id(2)] byte[] Bytes,
    [property: Id(3)] IReadOnlyList<CompletionTopLogprob> TopLogprobs);

[GenerateSerializer, Immutable, Alias("vlo.CompletionTopLogprob")]
public sealed record CompletionTopLogprob([property: Id(0)] string Token, [property: Id(1)] float Logprob, [property: Id(2)] byte[] Bytes);
