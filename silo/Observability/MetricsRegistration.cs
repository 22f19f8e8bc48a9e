using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using VLOrleans.Grains.Sessions;
using VLOrleans.Engine.Generation.Telemetry;

namespace VLOrleans.Silo.Observability;

/// <summary>
/// Metrics wiring, in one place: the meters that are exported, the Prometheus exporter behind <c>GET /metrics</c>,
/// and the sources the silo's gauges read. Every instrument is a <c>System.Diagnostics.Metrics</c> one; the engine
/// records answers where they end (<see cref="EngineMetrics"/>), the silo records HTTP requests (<see cref="SiloMetrics"/>).
/// </summary>
public static class MetricsRegistration
{
    public static IServiceCollection AddVloMetrics(this IServiceCollection services)
    {
        // The one place that says what an active session is: swap this line to count sessions another way.
        services.AddSingleton(sp => new ActiveSessionCount(() => sp.GetService<ActiveSessions>()?.ActiveCount ?? 0));
        services.AddSingleton<ThroughputSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<ThroughputSampler>());
        services.AddSingleton<SiloMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("vlorleans")) // target_info's service_name
            .WithMetrics(metrics => metrics
                // Orleans' own meters (grain calls, activations, messaging, membership) beside ours.
                .AddMeter(EngineMetrics.MeterName, SiloMetrics.MeterName, "Microsoft.Orleans")
                // No response cache (its default is 300 ms): two scrapes around one request must both be current.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary><c>GET /metrics</c>: Prometheus text. The silo's meter is created here, at startup, so its gauges are
    /// in the very first scrape.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.ServiceProvider.GetRequiredService<SiloMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
