using System.Text.Json.Serialization;

namespace VLOrleans.Silo.Endpoints.OpenAi;

// The response shapes of OpenAI's Chat Completions API (chat.completion and chat.completion.chunk), field for
// field as the official SDKs read them. Nulls are written (OpenAI writes "logprobs": null, "usage": null).

public sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChoice> Choices,
    [property: JsonPropertyName("usage")] CompletionUsage Usage)
{
    [JsonPropertyName("object")] public string Object => "chat.completion";
    [JsonPropertyName("system_fingerprint")] public string? SystemFingerprint { get; init; }
}

public sealed record ChatCompletionChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] AssistantMessage Message,
    [property: JsonPropertyName("logprobs")] ChoiceLogprobs? Logprobs,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

/// <summary>The answer: its text (null when it only called tools, as OpenAI writes it) and the calls it made.</summary>
public sealed record AssistantMessage([property: JsonPropertyName("content")] string? Content)
{
    [JsonPropertyName("role")] public string Role => "assistant";
    [JsonPropertyName("refusal")] public string? Refusal => null;

    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ToolCallView>? ToolCalls { get; init; }
}

/// <summary>One tool call: <c>{"id", "type": "function", "function": {"name", "arguments"}}</c>, arguments as a JSON string.</summary>
public sealed record ToolCallView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("function")] FunctionCallView Function)
{
    [JsonPropertyName("type")] public string Type => "function";
}

public sealed record FunctionCallView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);

/// <summary>A streamed tool call: the whole call in one delta (OpenAI's clients append deltas by <c>index</c>).</summary>
public sealed record ToolCallDeltaView(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("function")] FunctionCallView Function)
{
    [JsonPropertyName("type")] public string Type => "function";
}

public sealed record ChoiceLogprobs([property: JsonPropertyName("content")] IReadOnlyList<TokenLogprobView> Content)
{
    [JsonPropertyName("refusal")] public object? Refusal => null;
}

/// <summary>One token's log-probability: its text, its UTF-8 bytes (a token can be half a character), and the alternatives.</summary>
public sealed record TokenLogprobView(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] float Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<TopLogprobView> TopLogprobs);

public sealed record TopLogprobView(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] float Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes);

public sealed record CompletionUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens,
    [property: JsonPropertyName("prompt_tokens_details")] PromptTokensDetails PromptTokensDetails,
    [property: JsonPropertyName("completion_tokens_details")] CompletionTokensDetails CompletionTokensDetails);

public sealed record PromptTokensDetails([property: JsonPropertyName("cached_tokens")] int CachedTokens);

public sealed record CompletionTokensDetails([property: JsonPropertyName("reasoning_tokens")] int ReasoningTokens);

public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChunkChoice> Choices,
    [property: JsonPropertyName("usage")] CompletionUsage? Usage)
{
    [JsonPropertyName("object")] public string Object => "chat.completion.chunk";
}

public sealed record ChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChunkDelta Delta,
    [property: JsonPropertyName("logprobs")] ChoiceLogprobs? Logprobs,
    [property: JsonPropertyName("finish_reason")] string? FinishReason);

public sealed record ChunkDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content)
{
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ToolCallDeltaView>? ToolCalls { get; init; }
}

public sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelEntry> Data)
{
    [JsonPropertyName("object")] public string Object => "list";
}

public sealed record ModelEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    [JsonPropertyName("object")] public string Object => "model";
}

/// <summary>OpenAI's error envelope: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiErrorEnvelope([property: JsonPropertyName("error")] OpenAiError Error);

public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string Code);
