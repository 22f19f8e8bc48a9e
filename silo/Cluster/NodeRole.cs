namespace VLOrleans.Silo.Cluster;

/// <summary>
/// What one server process is (<c>VLO:Role</c>): <c>all</c> (the default: one process with the model, the silo and the
/// HTTP API), <c>model</c> (a silo with the grains and the model, answering only health, status and metrics over HTTP)
/// or <c>web</c> (the HTTP API, SignalR and the UI as an Orleans client of the model silos; no model, no grains).
/// </summary>
public enum NodeRole
{
    All,
    Model,
    Web,
}

public static class NodeRoles
{
    /// <summary>The values <c>VLO:Role</c> accepts (validated at start-up).</summary>
    public const string Pattern = "^(all|model|web)$";

    public static NodeRole Parse(string? role) => role switch
    {
        null or "" or "all" => NodeRole.All,
        "model" => NodeRole.Model,
        "web" => NodeRole.Web,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "VLO:Role is all, model or web"),
    };

    public static NodeRole Of(IConfiguration configuration) => Parse(configuration[$"{Hosting.VloOptions.SectionName}:Role"]);

    /// <summary>A silo with grains and a model (every role but web).</summary>
    public static bool HostsModel(this NodeRole role) => role != NodeRole.Web;

    /// <summary>Serves the REST/OpenAI/SignalR API and the UI (every role but model).</summary>
    public static bool ServesApi(this NodeRole role) => role != NodeRole.Model;

    public static string Name(this NodeRole role) => role.ToString().ToLowerInvariant();
}
