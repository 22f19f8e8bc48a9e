using System.Diagnostics;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// Counts every HTTP request by route pattern (<c>/v1/chat/completions</c>, not the raw path, so ids do not
/// explode the label set), method and final status. Runs outermost, so it sees the status the exception handler
/// chose; a streamed answer is timed to its last byte.
/// </summary>
public static class RequestMetricsMiddleware
{
    public static async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var clock = Stopwatch.StartNew();
        // Routing ran before this middleware (WebApplication adds it first); the exception handler clears the
        // endpoint when it handles an error, so take the route now.
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            route ??= (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
            context.RequestServices.GetRequiredService<SiloMetrics>().RecordRequest(route, context.Request.Method, status, clock.Elapsed);
        }
    }
}
