using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Security;

/// <summary>
/// Fairness between API keys (ASP.NET Core's rate limiter, partitioned by the caller's owner id): each key may have
/// <c>VLO:Limits:PerKeyConcurrentRequests</c> API requests running and <c>PerKeyQueuedRequests</c> more waiting, oldest
/// first; beyond that its requests are refused at once with 429 <c>rate_limited</c> and <c>Retry-After</c>. So one key
/// flooding the server fills its own queue, not the engine's, and another key's requests still reach the engine.
/// A streamed answer holds its place until it ends. Only the API routes (<c>/api</c>, <c>/v1</c>) of a server with keys
/// configured are limited; the hub (one long-lived connection per browser), probes and static files are not.
/// </summary>
public static class PerKeyRateLimiting
{
    public static IServiceCollection AddPerKeyRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<VloOptions>, ApiKeys>((limiter, vlo, keys) =>
        {
            var limits = vlo.Value.Limits;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                IsLimited(http, keys) && keys.OwnerOf(http) is { } owner
                    ? RateLimitPartition.GetConcurrencyLimiter(owner, _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = limits.PerKeyConcurrentRequests,
                        QueueLimit = limits.PerKeyQueuedRequests,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    })
                    : RateLimitPartition.GetNoLimiter("unlimited"));
            limiter.OnRejected = (context, cancellationToken) => RejectAsync(context.HttpContext, limits, cancellationToken);
        });
        return services;
    }

    private static bool IsLimited(HttpContext http, ApiKeys keys) =>
        keys.AreRequired && (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/v1"));

    private static async ValueTask RejectAsync(HttpContext http, LimitSettings limits, CancellationToken cancellationToken)
    {
        var message = $"This API key already has {limits.PerKeyConcurrentRequests} requests running and {limits.PerKeyQueuedRequests} waiting " +
            "(VLO:Limits:PerKeyConcurrentRequests, PerKeyQueuedRequests); retry after the time in Retry-After.";
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var result = http.Request.Path.StartsWithSegments("/v1")
            ? OpenAiErrors.Result(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, message, null, http)
            : Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests for this API key", detail: message,
                extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.RateLimited });
        await result.ExecuteAsync(http).ConfigureAwait(false);
    }
}
