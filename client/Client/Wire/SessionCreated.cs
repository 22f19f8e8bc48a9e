// The server's JSON as this library reads it. The server's own types are grain messages (Orleans-serialized records in
// VLOrleans.Contracts); these copies keep the HTTP client free of Orleans. Same names and JSON; change both together.
using System.Text.Json.Serialization;

namespace VLOrleans.Client;

/// <summary>The answer to <c>POST /api/v1/sessions</c>.</summary>
public sealed record SessionCreated([property: JsonPropertyName("id")] string Id);

/// <summary>The non-streaming answer to <c>POST /api/v1/sessions/{id}/messages</c>: the stored assistant turn.</summary>
public sealed record AskAnswer(
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("turn")] TurnView Turn);

/// <summary>The answer to <c>POST /api/v1/sessions/{id}/cancel</c>.</summary>
public sealed record CancelResult([property: JsonPropertyName("cancelled")] bool Cancelled);
