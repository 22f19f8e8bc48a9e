using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Orleans.Dashboard;
using VLOrleans.Grains.Sessions;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// The Orleans silo inside the server process (<c>UseOrleans</c>, co-hosted with ASP.NET Core): localhost clustering
/// (one node), the session grains with their idle collection, the session store, and the dashboard. The store is
/// chosen by <see cref="StoreSelection"/>: SQLite under <c>VLO:DataPath</c> (<c>sessions.db</c>) or memory.
/// </summary>
public static class SiloHosting
{
    public const string StoreFileName = "sessions.db";

    public static WebApplicationBuilder AddVLOrleansSilo(this WebApplicationBuilder builder)
    {
        // The silo is configured before the container exists, so it reads the same VLO section the options bind.
        var settings = builder.Configuration.GetSection(VloOptions.SectionName).Get<VloOptions>() ?? new VloOptions();
        builder.Services.AddSessionStore(settings); // VLO:Store (StoreSelection)
        builder.UseOrleans(silo =>
        {
            // Several servers on one machine (tests, benchmarks) each form their own one-node cluster: free ports unless configured.
            silo.UseLocalhostClustering(PortOrFree(settings.Orleans.SiloPort), PortOrFree(settings.Orleans.GatewayPort),
                serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId);
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

    /// <summary>Maps the dashboard at <c>/dashboard</c> when enabled (the API-key middleware guards the path).</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var settings = app.Configuration.GetSection(VloOptions.SectionName).Get<VloOptions>() ?? new VloOptions();
        if (settings.Orleans.DashboardEnabled) app.MapOrleansDashboard(routePrefix: "/dashboard");
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

    private static int PortOrFree(int configured)
    {
        if (configured != 0) return configured;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
