using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Sessions;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Observability;

namespace VLOrleans.Silo;

/// <summary>Probes and observability: liveness, readiness, Prometheus metrics, and the node's status.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Alive);
        app.MapGet("/readyz", Ready).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapMetrics();
        app.MapGet("/api/v1/status", Status);
        return app;
    }

    /// <summary>The process answers.</summary>
    public static ContentHttpResult Alive() => TypedResults.Text("ok");

    /// <summary>200 once the model is loaded and the inference loop runs; 503 (code <c>model_not_ready</c>) with why not.</summary>
    public static Results<ContentHttpResult, ProblemHttpResult> Ready(InferenceGrain inference)
    {
        if (inference.IsReady) return TypedResults.Text("ready");
        var why = inference.LoadError is { } error ? $"The model failed to load: {error}" : "The model is still loading.";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: why,
            extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.ModelNotReady });
    }

    public static Ok<StatusReport> Status(InferenceGrain inference, ThroughputSampler throughput, IOptions<VloOptions> options, ActiveSessionCount sessions) =>
        TypedResults.Ok(StatusReport.Build(inference, throughput, options.Value, sessions));
}
