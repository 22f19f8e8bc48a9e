using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// What an operator must know once the server listens, said once in the log: where sessions are stored, that the
/// model is the random-weight demo (and the command that serves a real one), and a warning when the server is
/// reachable from other machines without API keys.
/// </summary>
public sealed partial class StartupNotices(IOptions<VloOptions> options, IServer server, IHostApplicationLifetime lifetime, ILogger<StartupNotices> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The addresses are known only once Kestrel has bound them.
        lifetime.ApplicationStarted.Register(Announce);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Announce()
    {
        var settings = options.Value;
        var role = Cluster.NodeRoles.Parse(settings.Role);
        if (role == Cluster.NodeRole.Web) LogWebNode(logger, settings.Orleans.ClusterId);
        else LogStore(logger, StoreSelection.Describe(settings));
        if (DemoModel.IsServed(settings)) LogDemo(logger, DemoModel.Note, DemoModel.RealModelCommand);
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var open = addresses.Where(a => !IsLoopback(a)).ToArray();
        if (open.Length > 0 && settings.ApiKeys.Length == 0) LogOpenWithoutKeys(logger, string.Join(", ", open));
    }

    /// <summary>True when <paramref name="address"/> (a Kestrel URL such as <c>http://127.0.0.1:8080</c>,
    /// <c>http://localhost:8080</c>, <c>http://0.0.0.0:8080</c>, <c>http://[::]:8080</c> or <c>http://*:8080</c>)
    /// accepts connections from this machine only.</summary>
    public static bool IsLoopback(string address)
    {
        var host = address.Replace("://*", "://any-host", StringComparison.Ordinal).Replace("://+", "://any-host", StringComparison.Ordinal);
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri)) return false;
        if (uri.IsLoopback) return true; // localhost, 127.x, [::1]
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sessions are stored {Store}")]
    private static partial void LogStore(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Role web: an Orleans client of cluster {ClusterId}; no model and no store on this node")]
    private static partial void LogWebNode(ILogger logger, string clusterId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DemoNote} To serve a real model, convert a checkpoint (README, \"Using a real model\") and run: {RealModelCommand}")]
    private static partial void LogDemo(ILogger logger, string demoNote, string realModelCommand);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reachable from other machines at {Addresses} without API keys: anyone who can connect may use the model and read sessions. Set VLO__ApiKeys__0=<secret>, or listen on localhost only (make run without HOST=0.0.0.0)")]
    private static partial void LogOpenWithoutKeys(ILogger logger, string addresses);
}
