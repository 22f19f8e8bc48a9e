using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using VLOrleans.Silo.Tests.Newcomer;
using Xunit.Abstractions;

namespace VLOrleans.Silo.Tests.Cluster;

/// <summary>
/// PostgreSQL restarted under load: a PostgreSQL of this test's own (scripts/services.sh in a scratch folder, a free
/// port), so stopping it disturbs no other test. While it is down the API answers 503 store_unavailable with
/// Retry-After; afterwards the cluster serves again by itself and no turn a client saw completed is lost or doubled.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PostgresRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-cluster-pg-").FullName;
    private readonly int _port = FreePort();

    public Task InitializeAsync() => ServicesAsync("start");

    public async Task DisposeAsync()
    {
        await ServicesAsync("destroy");
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task While_PostgreSQL_is_down_requests_get_a_retryable_503_and_afterwards_every_acknowledged_turn_is_stored_once()
    {
        await using var cluster = await LocalCluster.StartAsync(models: 1, webs: 1, postgres: $"Host=127.0.0.1;Port={_port};Username=vlo;Database=vlo");
        using var web = cluster.Webs[0].Http();
        var sessions = new[] { await ClusterClient.CreateSessionAsync(web), await ClusterClient.CreateSessionAsync(web) };
        var acknowledged = sessions.ToDictionary(s => s, _ => new ConcurrentQueue<(string Question, string Answer)>());
        using var stop = new CancellationTokenSource();
        var load = sessions.Select((id, c) => Task.Run(async () =>
        {
            for (var turn = 0; !stop.IsCancellationRequested; turn++)
            {
                var question = $"conversation {c} turn {turn}";
                acknowledged[id].Enqueue((question, await ClusterClient.AskAsync(web, id, question, maxTokens: 4)));
            }
        })).ToList();
        while (acknowledged.Values.Sum(q => q.Count) < 4) await Task.Delay(100);

        await ServicesAsync("stop");
        var clock = Stopwatch.StartNew();
        using (var response = await web.PostAsJsonAsync("/api/v1/sessions", new { }))
        {
            output.WriteLine($"while PostgreSQL is down: {(int)response.StatusCode} in {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("store_unavailable", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!);
            Assert.NotNull(response.Headers.RetryAfter);
        }
        await Task.Delay(TimeSpan.FromSeconds(2)); // the load meets the outage too
        await ServicesAsync("start");
        var before = acknowledged.Values.Sum(q => q.Count);
        using (var recovery = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            while (acknowledged.Values.Sum(q => q.Count) < before + 4) await Task.Delay(100, recovery.Token);
        }
        stop.Cancel();
        await Task.WhenAll(load);

        foreach (var id in sessions)
        {
            var stored = await ClusterServices.StoredTurnsAsync(cluster.Postgres, id);
            var expected = acknowledged[id].SelectMany(t => new[] { ("user", t.Question), ("assistant", t.Answer) }).ToList();
            Assert.Equal(expected, stored.Select(t => (t.Role, t.Text)).ToList());
        }
    }

    private async Task ServicesAsync(string command)
    {
        var start = new ProcessStartInfo("bash", [RepositoryFiles.Path("scripts", "services.sh"), command, "postgres"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["VLO_SERVICES_DIR"] = _folder;
        start.Environment["VLO_POSTGRES_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/services.sh {command} postgres failed: {await error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
