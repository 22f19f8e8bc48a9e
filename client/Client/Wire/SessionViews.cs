// The server's JSON as this library reads it. The server's own types are grain messages (Orleans-serialized records in
// VLOrleans.Contracts); these copies keep the HTTP client free of Orleans. Same names and JSON; change both together.
using System.Text.Json.Serialization;

namespace VLOrleans.Client;

/// <summary>A chat session as the API shows it: its turns (oldest first) and its images.</summary>
public sealed record SessionView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("turns")] IReadOnlyList<TurnView> Turns,
    [property: JsonPropertyName("images")] IReadOnlyList<ImageView> Images);

/// <summary>One message of a session. Assistant turns carry usage and timings.</summary>
public sealed record TurnView(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("image_ids")] IReadOnlyList<string> ImageIds,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("finish_reason")] string? FinishReason = null,
    [property: JsonPropertyName("usage")] UsageView? Usage = null,
    [property: JsonPropertyName("timings")] TimingsView? Timings = null);

/// <summary>An image of a session: its id (the content hash of its decoded pixels) and what the decoder learned.</summary>
public sealed record ImageView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("orientation")] int Orientation,
    [property: JsonPropertyName("had_alpha")] bool HadAlpha,
    [property: JsonPropertyName("camera")] string? Camera,
    [property: JsonPropertyName("taken_at")] string? TakenAt,
    [property: JsonPropertyName("image_tokens")] int ImageTokens,
    [property: JsonPropertyName("file_name")] string? FileName = null);

public sealed record UsageView(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("cached_prompt_tokens")] int CachedPromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens);

public sealed record TimingsView(
    [property: JsonPropertyName("queued_ms")] double QueuedMs,
    [property: JsonPropertyName("ttft_ms")] double TimeToFirstTokenMs,
    [property: JsonPropertyName("total_ms")] double TotalMs,
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: JsonPropertyName("vision_cache_hits")] int VisionCacheHits,
    [property: JsonPropertyName("vision_encodes")] int VisionEncodes);
