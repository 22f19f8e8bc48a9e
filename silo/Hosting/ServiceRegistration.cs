using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Observability;
using VLOrleans.Silo.Security;

namespace VLOrleans.Silo.Hosting;

/// <summary>Wires the server: options, the inference grain and its loader, errors, keys. The one place infrastructure is chosen.</summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddVLOrleans(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VloOptions>().Bind(configuration.GetSection(VloOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<VloOptions>, VloOptionsValidation>();
        services.AddHostedService<StartupNotices>();
        services.AddSingleton<InferenceGrain>();
        // A web node (VLO:Role = web) loads no model: its InferenceGrain stays empty and grain calls go to the model silos.
        if (Cluster.NodeRoles.HostsModel(Cluster.NodeRoles.Of(configuration))) services.AddHostedService<EngineHostedService>();
        services.AddSingleton<ApiKeys>();
        services.AddPerKeyRateLimiting(); // fairness between API keys (Security/PerKeyRateLimiting.cs)
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Logging.ProblemCodeNote.Record);
        services.AddExceptionHandler<ProblemMapping>();
        services.AddSignalR();
        services.AddVloMetrics(); // System.Diagnostics.Metrics + the Prometheus exporter (Observability/MetricsRegistration.cs)
        services.AddSingleton<ImageUrlLoader>();
        // No redirects: an allowed host must not be able to send the fetch on to a host that is not allowed.
        services.AddHttpClient(ImageUrlLoader.HttpClientName, c => c.Timeout = ImageUrlLoader.FetchTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        // Bodies are capped by Kestrel before they are read in full (413); endpoints that buffer JSON cap it again.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<VloOptions>>((kestrel, vlo) => kestrel.Limits.MaxRequestBodySize = vlo.Value.Limits.MaxRequestBytes);
        // The session grains, their store and the silo itself: SiloHosting.AddVLOrleansSilo.
        return services;
    }

    public static WebApplication UseVLOrleans(this WebApplication app)
    {
        app.Use(RequestMetricsMiddleware.RecordAsync); // outermost: sees the status the exception handler chose
        app.Use(Logging.RequestLogMiddleware.LogAsync); // outside the exception handler too, for the same reason
        app.Use(RetryAfterOn503.AddAsync);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(ApiKeys.RequireKeyAsync);
        app.UseRateLimiter(); // after the key check: a request without a valid key is 401, never queued
        return app;
    }
}
