using System.Text.Json;
using System.Text.Json.Serialization;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c> as OpenAI defines it. Every other field lands in
/// <see cref="OtherFields"/>, where <see cref="ChatCompletionTranslator"/> refuses what it cannot honour with a 400
/// naming the field (never silently ignored; see <see cref="UnhonouredFields"/>). <see cref="Stop"/>, each message's
/// content, <see cref="Tools"/> and <see cref="ToolChoice"/> are unions kept as JSON and read by the translator.
/// <c>top_k</c>, <c>min_p</c>, <c>repetition_penalty</c> and <c>ignore_eos</c> are the usual vLLM extensions.
/// </summary>
public sealed record ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public IReadOnlyList<ChatCompletionMessage>? Messages { get; init; }
    [JsonPropertyName("stream")] public bool Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; init; }
    [JsonPropertyName("temperature")] public float? Temperature { get; init; }
    [JsonPropertyName("top_p")] public float? TopP { get; init; }
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("min_p")] public float? MinP { get; init; }
    [JsonPropertyName("repetition_penalty")] public float? RepetitionPenalty { get; init; }
    [JsonPropertyName("presence_penalty")] public float? PresencePenalty { get; init; }
    [JsonPropertyName("frequency_penalty")] public float? FrequencyPenalty { get; init; }
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
    [JsonPropertyName("n")] public int? N { get; init; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }
    [JsonPropertyName("ignore_eos")] public bool? IgnoreEos { get; init; }
    [JsonPropertyName("response_format")] public Contracts.ResponseFormat? ResponseFormat { get; init; }
    [JsonPropertyName("tools")] public JsonElement? Tools { get; init; }
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; init; }

    /// <summary>Fields not declared above (checked by <see cref="UnhonouredFields"/>).</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? OtherFields { get; init; }
}

public sealed record StreamOptions
{
    [JsonPropertyName("include_usage")] public bool IncludeUsage { get; init; }
}

/// <summary>One message: role, and content as a string or a list of parts (<c>text</c>, <c>image_url</c>); an
/// assistant's <c>tool_calls</c>, a tool result's <c>tool_call_id</c>.</summary>
public sealed record ChatCompletionMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public JsonElement? Content { get; init; }
    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }

    /// <summary>Fields not declared above: refused (the chat templates render nothing else, e.g. no <c>name</c>).</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? OtherFields { get; init; }
}
