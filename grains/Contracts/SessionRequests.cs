using System.Text.Json.Serialization;

namespace VLOrleans.Contracts;

/// <summary>
/// A client's <c>Idempotency-Key</c> for one request, with the request's fingerprint (a hash of the route and the body,
/// computed by the server) so the same key sent with a different request is refused instead of replayed. Keys are
/// scoped per owner (API key): the grain stores them under the caller's owner.
/// </summary>
[GenerateSerializer, Immutable, Alias("vlo.IdempotencyClaim")]
public sealed record IdempotencyClaim([property: Id(0)] string Key, [property: Id(1)] string Fingerprint);

/// <summary>A session's image: its facts and the encoded bytes as uploaded (<c>GET /api/v1/sessions/{id}/images/{imageId}</c>).</summary>
[GenerateSerializer, Immutable, Alias("vlo.SessionImage")]
public sealed record SessionImage([property: Id(0)] ImageView Facts, [property: Id(1)] byte[] Bytes);

/// <summary>One page of an owner's sessions, newest first (<c>GET /api/v1/sessions</c>); <see cref="NextCursor"/> asks for
/// the page after it, null on the last page.</summary>
[GenerateSerializer, Immutable, Alias("vlo.SessionPage")]
public sealed record SessionPage(
    [property: Id(0), JsonPropertyName("sessions")] IReadOnlyList<SessionSummary> Sessions,
    [property: Id(1), JsonPropertyName("next_cursor")] string? NextCursor);

[GenerateSerializer, Immutable, Alias("vlo.SessionSummary")]
public sealed record SessionSummary(
    [property: Id(0), JsonPropertyName("id")] string Id,
    [property: Id(1), JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

/// <summary>The answer to <c>POST /api/v1/sessions/{id}/cancel</c>: whether a turn was running (and is now stopped).</summary>
public sealed record CancelResult([property: JsonPropertyName("cancelled")] bool Cancelled);

/// <summary>
/// Lists an owner's sessions. A stateless worker: listing reads the store and holds no state, so it runs on whichever
/// silo receives the call, with no activation per owner.
/// </summary>
[Alias("vlo.ISessionDirectoryGrain")]
public interface ISessionDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>At most <paramref name="limit"/> of <paramref name="owner"/>'s sessions, newest first, after
    /// <paramref name="cursor"/> (a previous page's <see cref="SessionPage.NextCursor"/>). Throws
    /// <see cref="RequestProblemException"/> (<see cref="ProblemKind.InvalidRequest"/>) for a cursor it did not make.</summary>
    [Alias("List")]
    Task<SessionPage> ListAsync(string owner, int limit, string? cursor, CancellationToken cancellationToken = default);
}
