using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Sessions;
using VLOrleans.Silo.Cluster;
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

    /// <summary>200 once the model is loaded and the inference loop runs — on a web node (no model of its own), once at
    /// least one model node of the cluster is ready; 503 (code <c>model_not_ready</c>) with why not.</summary>
    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Ready(InferenceGrain inference, IOptions<VloOptions> options, ClusterView cluster,
        CancellationToken cancellationToken)
    {
        string why;
        if (NodeRoles.Parse(options.Value.Role) == NodeRole.Web)
        {
            var nodes = await cluster.ReadAsync(cancellationToken);
            if (nodes.Any(n => n.Node.Ready)) return TypedResults.Text("ready");
            why = nodes.Count == 0 ? "No model node is reachable in the cluster." : $"None of the cluster's {nodes.Count} model nodes is ready.";
        }
        else
        {
            if (inference.IsReady) return TypedResults.Text("ready");
            why = inference.LoadError is { } error ? $"The model failed to load: {error}" : "The model is still loading.";
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: why,
            extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.ModelNotReady });
    }

    /// <summary>This node's report with the cluster's nodes (<c>cluster</c>). A web node has no model: its report is the
    /// first ready model node's (so the page still shows what is served), with its own role, memory and uptime.</summary>
    public static async Task<Ok<StatusReport>> Status(InferenceGrain inference, ThroughputSampler throughput, IOptions<VloOptions> options,
        ActiveSessionCount sessions, ClusterView cluster, CancellationToken cancellationToken)
    {
        var own = StatusReport.Build(inference, throughput, options.Value, sessions);
        var nodes = await cluster.ReadAsync(cancellationToken);
        var summary = cluster.Summary(nodes);
        if (NodeRoles.Parse(options.Value.Role) != NodeRole.Web) return TypedResults.Ok(own with { Cluster = summary });
        var served = nodes.Select(n => n.Report).FirstOrDefault(r => r is { Ready: true }) ?? nodes.Select(n => n.Report).FirstOrDefault(r => r is not null);
        if (served is null)
            return TypedResults.Ok(own with { LoadError = "no model node is reachable in the cluster", Cluster = summary });
        return TypedResults.Ok(served with { UptimeSeconds = own.UptimeSeconds, Memory = own.Memory, Cluster = summary });
    }
}
