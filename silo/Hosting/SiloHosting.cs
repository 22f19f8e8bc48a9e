using Orleans.Configuration;
using Orleans.Dashboard;
using VLOrleans.Grains.Sessions;
using VLOrleans.Grains.Storage;
using VLOrleans.Silo.Cluster;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// The Orleans side of the server process, by role (<see cref="NodeRole"/>): roles all and model host a silo
/// (<c>UseOrleans</c>, co-hosted with ASP.NET Core) with the session grains, their idle collection, the session store
/// and the dashboard; role web hosts an Orleans client (<c>UseOrleansClient</c>) and no grains. Clustering is chosen
/// in <see cref="ClusterHosting"/>. The store is chosen by <see cref="StoreSelection"/>: PostgreSQL when
/// <c>VLO:Cluster:Postgres</c> is set, else SQLite under <c>VLO:DataPath</c> (<c>sessions.db</c>) or memory.
/// </summary>
public static class SiloHosting
{
    public const string StoreFileName = "sessions.db";

    public static WebApplicationBuilder AddVLOrleansSilo(this WebApplicationBuilder builder)
    {
        // The silo is configured before the container exists, so it reads the same VLO section the options bind.
        var settings = builder.Configuration.GetSection(VloOptions.SectionName).Get<VloOptions>() ?? new VloOptions();
        builder.Services.AddSingleton<ClusterView>();
        builder.Services.AddClusterExceptionTypes();
        if (!NodeRoles.Parse(settings.Role).HostsModel())
        {
            // A web node: no store of its own, no engine; every grain call goes to the model silos.
            builder.UseOrleansClient(client => client.UseClusterClient(settings));
            builder.Services.AddSingleton<NodeLossWatch>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeLossWatch>());
            builder.Services.AddSingleton<IOutgoingGrainCallFilter, FailCallsOnNodeLoss>();
            return builder;
        }
        builder.Services.AddSessionStore(settings); // VLO:Cluster:Postgres, VLO:Store (StoreSelection)
        builder.UseOrleans(silo =>
        {
            silo.UseClustering(settings);
            // Orleans' default of 30 s per call is shorter than a busy CPU server's honest waits: an upload waits for its
            // image's encode behind others (8 new 1080p photos at once queue minutes of vision work on 2 cores), and an
            // answer stream's next item waits for the first token. A call that outlives it failed as a 500 although the
            // work went on; cancellation and dead silos end calls sooner, so this bound is only for the lost.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(settings.Orleans.ResponseTimeoutSeconds));
            silo.AddChatSessions(SessionOptions(settings));
            if (settings.Orleans.DashboardEnabled) silo.AddDashboard();
        });
        return builder;
    }

    /// <summary>Maps the dashboard at <c>/dashboard</c> when enabled on a silo (the API-key middleware guards the path).</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var settings = app.Configuration.GetSection(VloOptions.SectionName).Get<VloOptions>() ?? new VloOptions();
        if (settings.Orleans.DashboardEnabled && NodeRoles.Parse(settings.Role).HostsModel()) app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }

    public static ChatSessionOptions SessionOptions(VloOptions options) => new()
    {
        RecentTurns = options.Sessions.RecentTurns,
        IdleTimeout = TimeSpan.FromSeconds(options.Sessions.IdleTimeoutSeconds),
        MaxAnswerTokens = options.Limits.MaxAnswerTokens,
        DefaultAnswerTokens = Math.Min(512, options.Limits.MaxAnswerTokens),
        KeepImageEmbeddings = options.Sessions.KeepImageEmbeddings,
    };
}
