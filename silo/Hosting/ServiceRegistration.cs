using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Endpoints.Sessions;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Security;

namespace VLOrleans.Silo.Hosting;

/// <summary>Wires the server: options, the inference grain and its loader, errors, keys. The one place infrastructure is chosen.</summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddVLOrleans(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VloOptions>().Bind(configuration.GetSection(VloOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<InferenceGrain>();
        services.AddHostedService<EngineHostedService>();
        services.AddSingleton<ApiKeys>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemMapping>();
        services.AddSignalR();
        services.AddSessionGrains();
        return services;
    }

    public static WebApplication UseVLOrleans(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(ApiKeys.RequireKeyAsync);
        return app;
    }
}
