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

/// <summary>One message of a session. Assistant turns carry usage and timings, and the boxes an answer names (Qwen
/// grounding output) in pixels of the original image.</summary>
public sealed record TurnView(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("image_ids")] IReadOnlyList<string> ImageIds,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("finish_reason")] string? FinishReason = null,
    [property: JsonPropertyName("usage")] UsageView? Usage = null,
    [property: JsonPropertyName("timings")] TimingsView? Timings = null,
    [property: JsonPropertyName("boxes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<BoxView>? Boxes = null);

/// <summary>A box (<see cref="Kind"/> "box") or a point ("point": x2 = x1, y2 = y1) an answer names, in pixels of the
/// original upright image <see cref="ImageId"/>; <see cref="WasClamped"/>: the model wrote a value outside the image.</summary>
public sealed record BoxView(
    [property: JsonPropertyName("image_id")] string ImageId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("x1")] double X1,
    [property: JsonPropertyName("y1")] double Y1,
    [property: JsonPropertyName("x2")] double X2,
    [property: JsonPropertyName("y2")] double Y2,
    [property: JsonPropertyName("clamped")] bool WasClamped);

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
