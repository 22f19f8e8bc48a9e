using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints.Sessions;

/// <summary>
/// The <c>Idempotency-Key</c> request header (session creation and asks): a client that retries a request it never saw
/// answered sends the same key, and gets the first attempt's result instead of a second session or turn. The claim
/// carries a fingerprint of what is asked — the route and the request body as the server read it (re-serialized, so
/// whitespace and field order do not matter; <c>stream</c> left out, since a streamed and a plain ask make the same
/// turn) — so the same key with a different request is refused (422 <c>idempotency_key_reused</c>), not replayed.
/// </summary>
internal static class IdempotencyKeys
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Long enough for a UUID or a ULID with a prefix; short enough to index.</summary>
    public const int MaxLength = 255;

    /// <summary>The request's claim, or null when it sends no key. A key that is empty, too long or not printable ASCII is a 400.</summary>
    public static IdempotencyClaim? Read(HttpRequest request, string route, object? body = null)
    {
        if (!request.Headers.TryGetValue(HeaderName, out var values)) return null;
        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength || !key.All(c => c is >= ' ' and <= '~'))
            throw RequestRejectedException.Invalid($"The {HeaderName} header must be one value of 1 to {MaxLength} printable ASCII characters.", HeaderName);
        return new IdempotencyClaim(key, Fingerprint(route, body));
    }

    private static string Fingerprint(string route, object? body)
    {
        var text = body is null ? route : $"{route}\n{JsonSerializer.Serialize(body, body.GetType())}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
