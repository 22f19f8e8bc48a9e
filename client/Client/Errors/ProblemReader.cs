using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace VLOrleans.Client;

/// <summary>Turns a failed response into a typed exception: <c>application/problem+json</c> (<c>code</c>, <c>detail</c>),
/// OpenAI's envelope (<c>error.code</c>, <c>error.message</c>), or just the status when the body is neither.</summary>
internal static class ProblemReader
{
    /// <summary>Bodies of errors are small; a larger one is cut here rather than read whole (a proxy's HTML page, say).</summary>
    private const int MaxProblemChars = 64 << 10;

    public static async Task<VLOrleansException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var retryAfter = RetryAfterOf(response.Headers);
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            body = "";
        }
        if (body.Length > MaxProblemChars) body = body[..MaxProblemChars];
        string? code = null, detail = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object) root = error;
                code = StringOf(root, "code");
                detail = StringOf(root, "detail") ?? StringOf(root, "message") ?? StringOf(root, "title");
            }
        }
        catch (JsonException)
        {
        }
        var message = detail ?? $"The server answered {(int)status} {response.ReasonPhrase}.";
        return ProblemCodeMap.ToException(code, message, status, retryAfter);
    }

    public static TimeSpan? RetryAfterOf(HttpResponseHeaders headers) => headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
