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
/// Liveness, readiness and metrics stay open for probes; the Orleans Dashboard (<c>/dashboard</c>) is guarded too, and
/// also takes the key as the password of HTTP Basic so a browser can log in. With no keys configured everything is open and the
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
        var key = KeyOf(context.Request.Headers.Authorization.ToString());
        if (key is null) return null;
        var owner = OwnerOf(key);
        return _owners.Contains(owner) ? owner : null;
    }

    /// <summary>The key of <c>Bearer &lt;key&gt;</c>, or the password of <c>Basic base64(user:key)</c> (what a browser sends
    /// after the dashboard's login prompt; the user name is ignored).</summary>
    private static string? KeyOf(string header)
    {
        const string bearer = "Bearer ", basic = "Basic ";
        if (header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return header[bearer.Length..].Trim();
        if (!header.StartsWith(basic, StringComparison.OrdinalIgnoreCase)) return null;
        var buffer = new byte[header.Length];
        if (!Convert.TryFromBase64String(header[basic.Length..].Trim(), buffer, out var written)) return null;
        var credentials = Encoding.UTF8.GetString(buffer, 0, written);
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : credentials[(colon + 1)..];
    }

    /// <summary>Middleware: refuses API calls without a valid key (401, code <c>unauthorized</c>).</summary>
    public static async Task RequireKeyAsync(HttpContext context, RequestDelegate next)
    {
        var keys = context.RequestServices.GetRequiredService<ApiKeys>();
        var path = context.Request.Path;
        var isDashboard = path.StartsWithSegments("/dashboard");
        var isApi = path.StartsWithSegments("/api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/hubs") || isDashboard;
        if (!isApi || keys.OwnerOf(context) is not null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        // The dashboard is a page a person opens: Basic makes the browser ask for the key (as the password).
        context.Response.Headers.WWWAuthenticate = isDashboard ? "Basic realm=\"VLOrleans dashboard\", charset=\"UTF-8\"" : "Bearer";
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
