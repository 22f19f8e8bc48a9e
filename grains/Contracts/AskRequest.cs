using System.Text.Json.Serialization;

namespace VLOrleans.Contracts;

/// <summary>
/// A question to a session (<c>POST /api/v1/sessions/{id}/messages</c>, and the hub's Ask). Without
/// <see cref="ImageIds"/> the images uploaded since the last turn are attached.
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.AskRequest")]
public sealed record AskRequest
{
    [Id(0), JsonPropertyName("text")] public required string Text { get; init; }

    [Id(1), JsonPropertyName("image_ids")] public IReadOnlyList<string>? ImageIds { get; init; }

    [Id(2), JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }

    [Id(3), JsonPropertyName("temperature")] public float? Temperature { get; init; }

    [Id(4), JsonPropertyName("top_p")] public float? TopP { get; init; }

    [Id(5), JsonPropertyName("top_k")] public int? TopK { get; init; }

    [Id(6), JsonPropertyName("seed")] public ulong? Seed { get; init; }

    [Id(7), JsonPropertyName("stream")] public bool Stream { get; init; }

    /// <summary>Generate exactly max_tokens, past any end-of-sequence token (benchmarks: every system does the same work).</summary>
    [Id(8), JsonPropertyName("ignore_eos")] public bool IgnoreEos { get; init; }

    /// <summary>What the answer must be (OpenAI's response_format shape: json_object, or json_schema with strict);
    /// null = free text.</summary>
    [Id(9), JsonPropertyName("response_format")] public ResponseFormat? ResponseFormat { get; init; }
}

/// <summary>
/// What an ask streams — the one shape for every transport: text deltas, then one completion naming the stored turn
/// (or, on SSE, one failure). Each event names itself in <c>type</c> (<c>"delta"</c> / <c>"done"</c> / <c>"error"</c>),
/// an ordinary property rather than a serializer discriminator, so the JSON is the same whether a transport
/// serializes the declared base type (SSE) or the runtime type (SignalR's stream items).
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.AskEvent")]
public abstract record AskEvent
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public abstract string Type { get; }
}

/// <summary>The first event of every answer: the turn passed its checks and is queued on the engine (refusals come
/// before it). Transports commit their response here — SSE sends its headers, then keep-alives until the first
/// token — and do not forward it to clients.</summary>
[GenerateSerializer, Immutable, Alias("vlo.AskAccepted")]
public sealed record AskAccepted : AskEvent
{
    public override string Type => "accepted";
}

[GenerateSerializer, Immutable, Alias("vlo.AskDelta")]
public sealed record AskDelta([property: Id(0), JsonPropertyName("text")] string Text) : AskEvent
{
    public override string Type => "delta";
}

[GenerateSerializer, Immutable, Alias("vlo.AskCompleted")]
public sealed record AskCompleted([property: Id(0), JsonPropertyName("turn")] TurnView Turn) : AskEvent
{
    public override string Type => "done";
}

/// <summary>A streamed answer that failed after it started (SSE <c>error</c> event): the problem code, why, and whether
/// the same request may succeed later (<c>store_unavailable</c>: the answer was streamed but not saved).</summary>
[GenerateSerializer, Immutable, Alias("vlo.AskFailed")]
public sealed record AskFailed(
    [property: Id(0), JsonPropertyName("code")] string Code,
    [property: Id(1), JsonPropertyName("message")] string Message,
    [property: Id(2), JsonPropertyName("retryable")] bool Retryable = false) : AskEvent
{
    public override string Type => "error";
}
