// The server's JSON as this library reads it. The server's own types are grain messages (Orleans-serialized records in
// VLOrleans.Contracts); these copies keep the HTTP client free of Orleans. Same names and JSON; change both together.
using System.Text.Json.Serialization;

namespace VLOrleans.Client;

/// <summary>
/// A question to a session (<c>POST /api/v1/sessions/{id}/messages</c>, and the hub's Ask). Without
/// <see cref="ImageIds"/> the images uploaded since the last turn are attached.
/// </summary>
public sealed record AskRequest
{
    [JsonPropertyName("text")] public required string Text { get; init; }

    [JsonPropertyName("image_ids")] public IReadOnlyList<string>? ImageIds { get; init; }

    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }

    [JsonPropertyName("temperature")] public float? Temperature { get; init; }

    [JsonPropertyName("top_p")] public float? TopP { get; init; }

    [JsonPropertyName("top_k")] public int? TopK { get; init; }

    [JsonPropertyName("seed")] public ulong? Seed { get; init; }

    [JsonPropertyName("stream")] public bool Stream { get; init; }

    /// <summary>Generate exactly max_tokens, past any end-of-sequence token (benchmarks: every system does the same work).</summary>
    [JsonPropertyName("ignore_eos")] public bool IgnoreEos { get; init; }

    /// <summary>OpenAI's response_format shape (<c>{"type": "json_schema", "json_schema": {"name", "schema"}}</c>); null = free text.</summary>
    [JsonPropertyName("response_format"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.Nodes.JsonObject? ResponseFormat { get; init; }
}

/// <summary>What an ask streams: text deltas, then one completion naming the stored turn. Serialised through the
/// base type with a <c>type</c> discriminator (<c>"delta"</c> / <c>"done"</c>), as the hub's stream items are.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AskDelta), "delta")]
[JsonDerivedType(typeof(AskCompleted), "done")]
[JsonDerivedType(typeof(AskFailed), "error")]
public abstract record AskEvent;

public sealed record AskDelta([property: JsonPropertyName("text")] string Text) : AskEvent;

public sealed record AskCompleted(
    [property: JsonPropertyName("turn")] TurnView Turn) : AskEvent;

/// <summary>A streamed answer that failed after it started (SSE <c>error</c> event): the problem code and why.</summary>
public sealed record AskFailed(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message) : AskEvent;
