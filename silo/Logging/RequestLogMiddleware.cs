using System.Diagnostics;
using Microsoft.Extensions.Options;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Logging;

/// <summary>
/// One structured log line per HTTP request (category <c>VLOrleans.Silo.Requests</c>): method, route pattern,
/// status, duration, session id and problem code. Never the prompt text, the query string or image bytes: the line
/// is built from the route and the response status only, so a question cannot reach the log through it.
/// Levels say who has to act: refusals (4xx) Warning, server errors (5xx) Error, answered API calls Information;
/// probes, metrics, the UI's status polling and static files Debug, so a quiet server's log stays quiet.
/// <c>VLO:Logging:Requests=false</c> turns the lines off. Runs outside the exception handler, so it sees the status the exception
/// handler chose, and a streamed answer is timed to its last byte.
/// </summary>
public static partial class RequestLogMiddleware
{
    public const string CategoryName = "VLOrleans.Silo.Requests";

    /// <summary>Routes polled by machines (probes, Prometheus, the UI's status panel every 3 s).</summary>
    private static readonly HashSet<string> PolledRoutes = new(StringComparer.Ordinal)
    {
        "/healthz", "/readyz", "/metrics", "/api/v1/status", "/api/v1/status/history",
    };

    public static async Task LogAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.RequestServices.GetRequiredService<IOptions<VloOptions>>().Value.Logging.Requests)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var clock = Stopwatch.StartNew();
        // The exception handler clears the endpoint when it handles an error, so take the route now (routing ran first).
        var endpoint = context.GetEndpoint() as RouteEndpoint;
        var sessionId = SessionIdOf(context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            endpoint ??= context.GetEndpoint() as RouteEndpoint;
            var route = endpoint?.RoutePattern.RawText;
            var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(CategoryName);
            var level = LevelOf(route, status);
            if (logger.IsEnabled(level))
            {
                LogRequest(logger, level, context.Request.Method, route ?? context.Request.Path.Value ?? "", status,
                    clock.Elapsed.TotalMilliseconds, sessionId ?? SessionIdOf(context) ?? "-", ProblemCodeNote.Read(context) ?? "-");
            }
        }
    }

    /// <summary>The session a <c>/api/v1/sessions/{id}…</c> route names (the exception handler clears route values, so read early).</summary>
    private static string? SessionIdOf(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("id", out var id) ? id?.ToString() : null;

    /// <summary>The level of a request's line: <paramref name="route"/> is null for static files and unmatched paths.</summary>
    public static LogLevel LevelOf(string? route, int status) => status switch
    {
        >= 500 => LogLevel.Error,
        499 => LogLevel.Information, // the client left; nothing for the operator to do
        >= 400 => LogLevel.Warning,
        _ when route is null || PolledRoutes.Contains(route) => LogLevel.Debug,
        _ => LogLevel.Information,
    };

    [LoggerMessage(Message = "{Method} {Route} responded {Status} in {DurationMs:F1} ms (session {SessionId}, problem {ProblemCode})")]
    private static partial void LogRequest(ILogger logger, LogLevel level, string method, string route, int status, double durationMs, string sessionId, string problemCode);
}
