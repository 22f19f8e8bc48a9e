using Microsoft.AspNetCore.Http;

namespace VLOrleans.Silo.Logging;

/// <summary>
/// Carries the stable problem <c>code</c> of a refused request (<c>body_too_large</c>, <c>queue_full</c>, …) from
/// where the error body is written to the request log line, without reading the body back. Both error writers note
/// it: every problem+json response passes <see cref="Record(ProblemDetailsContext)"/> (the ProblemDetails service's
/// customisation hook), and the /v1 routes' OpenAI envelope calls <see cref="Record(HttpContext, string)"/>.
/// </summary>
public static class ProblemCodeNote
{
    private static readonly object Key = new();

    public static void Record(HttpContext http, string code) => http.Items[Key] = code;

    public static void Record(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Extensions.TryGetValue("code", out var code) && code is not null)
            Record(context.HttpContext, code.ToString()!);
    }

    /// <summary>The code noted for this request, or null when its response carried none.</summary>
    public static string? Read(HttpContext http) => http.Items.TryGetValue(Key, out var code) ? code as string : null;
}
