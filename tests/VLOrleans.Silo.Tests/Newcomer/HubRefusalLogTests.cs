using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>A refusal over the SignalR hub (no HTTP request of its own: it rides the open connection) still leaves one
/// log line, at Warning, with the hub method, the session and the problem code.</summary>
public sealed class HubRefusalLogTests
{
    [Fact]
    public async Task A_hub_refusal_is_logged_with_its_method_session_and_problem_code()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data);
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
            await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));
            await using var hub = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "/hubs/chat")).Build();
            await hub.StartAsync();

            var missing = new string('0', 32); // a well-formed id no session has
            var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<object>("ResumeSession", missing));
            Assert.Contains("session_not_found", refused.Message);

            var line = await ServerLog.WaitForAsync(server, "HUB ResumeSession refused with 404");
            Assert.StartsWith("warn: VLOrleans.Silo.Requests", line.Header);
            Assert.EndsWith($"(session {missing}, problem session_not_found)", line.Message);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
