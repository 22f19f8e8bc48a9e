using System.Text.Json.Serialization;

namespace VLOrleans.Contracts;

/// <summary>The answer to <c>POST /api/v1/sessions</c>.</summary>
public sealed record SessionCreated([property: JsonPropertyName("id")] string Id);

/// <summary>The non-streaming answer to <c>POST /api/v1/sessions/{id}/messages</c>: the stored assistant turn.</summary>
public sealed record AskAnswer(
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("turn")] TurnView Turn);
