using System.Text.Json;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>
/// With no model configured the server answers with a random-weight demo model: the status JSON and the start-up log
/// say so, with the one command that serves a real model; a configured model gets neither.
/// </summary>
public sealed class DemoModelTests
{
    [Fact]
    public async Task The_demo_model_is_named_as_such_in_the_status_JSON_and_the_startup_log_with_the_command_for_a_real_one()
    {
        var data = DemoServer.NewDataFolder();
        try
        {
            await using var server = await DemoServer.StartAsync(data);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));

            var status = JsonDocument.Parse(await http.GetStringAsync("/api/v1/status")).RootElement;
            var demo = status.GetProperty("demo");
            Assert.Contains("random weights", demo.GetProperty("note").GetString());
            Assert.Contains("gibberish", demo.GetProperty("note").GetString());
            Assert.Equal("VLO__Model__Path=models/qwen3-vl-2b make run", demo.GetProperty("real_model_command").GetString());
            Assert.EndsWith(Path.Combine("models", "demo-qwen3-vl-tiny"), status.GetProperty("model").GetProperty("folder").GetString());

            var (header, message) = await ServerLog.WaitForAsync(server, "Demo model:");
            Assert.StartsWith("warn: VLOrleans.Silo.Hosting.StartupNotices", header);
            Assert.Contains("random weights", message);
            Assert.EndsWith("VLO__Model__Path=models/qwen3-vl-2b make run", message);
            // Listening on 127.0.0.1 only: no warning about being reachable from outside.
            await ServerLog.WaitForAsync(server, "Sessions are stored in");
            Assert.DoesNotContain("Reachable from other machines", server.RecentOutput);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_configured_model_is_not_called_a_demo()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));

            var status = JsonDocument.Parse(await http.GetStringAsync("/api/v1/status")).RootElement;
            Assert.Equal(JsonValueKind.Null, status.GetProperty("demo").ValueKind);
            await ServerLog.WaitForAsync(server, "Sessions are stored in");
            Assert.DoesNotContain("Demo model:", server.RecentOutput);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://127.0.0.2:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://192.168.1.20:8080", false)]
    [InlineData("https://example.org:443", false)]
    public void Only_loopback_addresses_count_as_closed_to_other_machines(string address, bool loopback) =>
        Assert.Equal(loopback, StartupNotices.IsLoopback(address));
}
