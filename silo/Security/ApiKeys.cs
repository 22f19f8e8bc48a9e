using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Security;

/// <summary>
/// API keys, when configured: every API route needs <c>Authorization: Bearer &lt;key&gt;</c> (401 otherwise); the
/// caller's owner id — a hash of the key, never the key itself — scopes sessions, so one key never sees another's.
/// Liveness, readiness and metrics stay open for probes. With no keys configured everything is open and the
/// owner is "".
/// </summary>
public sealed class ApiKeys(IOptions<VloOptions> options)
{
    private readonly HashSet<string> _owners = options.Value.ApiKeys.Where(k => k.Length > 0).Select(OwnerOf).ToHashSet(StringComparer.Ordinal);

    public bool AreRequired => _owners.Count > 0;

    /// <summary>The owner id of a key: first 32 hex digits of its SHA-256.</summary>
    public static string OwnerOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];

    /// <summary>The caller's owner id, or null when keys are required and the request has no valid one.</summary>
    public string? OwnerOf(HttpContext context)
    {
        if (!AreRequired) return "";
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var owner = OwnerOf(header[prefix.Length..].Trim());
        return _owners.Contains(owner) ? owner : null;
    }

    /// <summary>Middleware: refuses API calls without a valid key (401, code <c>unauthorized</c>).</summary>
    public static async Task RequireKeyAsync(HttpContext context, RequestDelegate next)
    {
        var keys = context.RequestServices.GetRequiredService<ApiKeys>();
        var path = context.Request.Path;
        var isApi = path.StartsWithSegments("/api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/hubs");
        if (!isApi || keys.OwnerOf(context) is not null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        const string message = "This server needs an API key: send Authorization: Bearer <key>.";
        if (path.StartsWithSegments("/v1"))
        {
            await OpenAiErrors.Result(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, message, null, context).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        await Results.Problem(statusCode: 401, title: "Unauthorized", detail: message,
            extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.Unauthorized }).ExecuteAsync(context).ConfigureAwait(false);
    }
}
