using System.Text.Json.Serialization;

namespace VLOrleans.Contracts;

/// <summary>A chat session as the API shows it: its turns (oldest first) and its images.</summary>
[GenerateSerializer, Immutable, Alias("vlo.SessionView")]
public sealed record SessionView(
    [property: Id(0), JsonPropertyName("id")] string Id,
    [property: Id(1), JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: Id(2), JsonPropertyName("turns")] IReadOnlyList<TurnView> Turns,
    [property: Id(3), JsonPropertyName("images")] IReadOnlyList<ImageView> Images);

/// <summary>One message of a session. Assistant turns carry usage and timings, and — when the answer contains Qwen
/// grounding output (<c>bbox_2d</c> / <c>point_2d</c>) — the boxes it names, in pixels of the original image.</summary>
[GenerateSerializer, Immutable, Alias("vlo.TurnView")]
public sealed record TurnView(
    [property: Id(0), JsonPropertyName("index")] int Index,
    [property: Id(1), JsonPropertyName("role")] string Role,
    [property: Id(2), JsonPropertyName("text")] string Text,
    [property: Id(3), JsonPropertyName("image_ids")] IReadOnlyList<string> ImageIds,
    [property: Id(4), JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: Id(5), JsonPropertyName("finish_reason")] string? FinishReason = null,
    [property: Id(6), JsonPropertyName("usage")] UsageView? Usage = null,
    [property: Id(7), JsonPropertyName("timings")] TimingsView? Timings = null,
    [property: Id(8), JsonPropertyName("boxes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<BoxView>? Boxes = null);

/// <summary>
/// A box (or a point: x2 = x1, y2 = y1) an answer names, in pixels of the original upright image <see cref="ImageId"/>
/// (x to the right, y down, origin at its top-left corner), converted from the model family's coordinate space.
/// <see cref="WasClamped"/>: the model wrote a value outside the image, moved onto its edge.
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.BoxView")]
public sealed record BoxView(
    [property: Id(0), JsonPropertyName("image_id")] string ImageId,
    [property: Id(1), JsonPropertyName("kind")] string Kind,
    [property: Id(2), JsonPropertyName("label")] string? Label,
    [property: Id(3), JsonPropertyName("x1")] double X1,
    [property: Id(4), JsonPropertyName("y1")] double Y1,
    [property: Id(5), JsonPropertyName("x2")] double X2,
    [property: Id(6), JsonPropertyName("y2")] double Y2,
    [property: Id(7), JsonPropertyName("clamped")] bool WasClamped)
{
    public const string BoxKind = "box";
    public const string PointKind = "point";
}

/// <summary>An image of a session: its id (the content hash of its decoded pixels) and what the decoder learned.</summary>
[GenerateSerializer, Immutable, Alias("vlo.ImageView")]
public sealed record ImageView(
    [property: Id(0), JsonPropertyName("id")] string Id,
    [property: Id(1), JsonPropertyName("format")] string Format,
    [property: Id(2), JsonPropertyName("width")] int Width,
    [property: Id(3), JsonPropertyName("height")] int Height,
    [property: Id(4), JsonPropertyName("bytes")] long Bytes,
    [property: Id(5), JsonPropertyName("orientation")] int Orientation,
    [property: Id(6), JsonPropertyName("had_alpha")] bool HadAlpha,
    [property: Id(7), JsonPropertyName("camera")] string? Camera,
    [property: Id(8), JsonPropertyName("taken_at")] string? TakenAt,
    [property: Id(9), JsonPropertyName("image_tokens")] int ImageTokens,
    [property: Id(10), JsonPropertyName("file_name")] string? FileName = null);

[GenerateSerializer, Immutable, Alias("vlo.UsageView")]
public sealed record UsageView(
    [property: Id(0), JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: Id(1), JsonPropertyName("cached_prompt_tokens")] int CachedPromptTokens,
    [property: Id(2), JsonPropertyName("completion_tokens")] int CompletionTokens);

[GenerateSerializer, Immutable, Alias("vlo.TimingsView")]
public sealed record TimingsView(
    [property: Id(0), JsonPropertyName("queued_ms")] double QueuedMs,
    [property: Id(1), JsonPropertyName("ttft_ms")] double TimeToFirstTokenMs,
    [property: Id(2), JsonPropertyName("total_ms")] double TotalMs,
    [property: Id(3), JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: Id(4), JsonPropertyName("vision_cache_hits")] int VisionCacheHits,
    [property: Id(5), JsonPropertyName("vision_encodes")] int VisionEncodes);
