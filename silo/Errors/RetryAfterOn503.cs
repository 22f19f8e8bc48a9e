using System.Globalization;
using Microsoft.Extensions.Options;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Errors;

/// <summary>
/// Every 503 says when to come back: <c>Retry-After</c> (VLO:Limits:RetryAfterSeconds) unless the response set its own.
/// One middleware rather than a header at each place that answers 503 (the readiness probe, a model still loading,
/// the OpenAI routes' envelope), so a new 503 cannot forget it.
/// </summary>
public static class RetryAfterOn503
{
    public static Task AddAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            if (http.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && !http.Response.Headers.ContainsKey("Retry-After"))
            {
                var seconds = http.RequestServices.GetRequiredService<IOptions<VloOptions>>().Value.Limits.RetryAfterSeconds;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
