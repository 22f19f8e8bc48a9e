namespace VLOrleans.Silo;

/// <summary>Liveness endpoint. Readiness and metrics arrive with the engine (issue 5/6).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        return app;
    }
}
