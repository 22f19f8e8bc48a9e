using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>
/// PostgreSQL crashes and comes back under a steady write load. A server of this test's own (initdb'd by
/// scripts/services.sh into a scratch folder, on a free port), so stopping it disturbs no other test.
/// </summary>
public sealed class PostgresOutageTests : IAsyncLifetime
{
    private const int WriterCount = 4;
    private readonly string _folder = Path.Combine(TestServices.RepositoryRoot, "data", "services", "outage-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int _port = FreePort();

    public Task InitializeAsync() => ServicesAsync("start");

    public async Task DisposeAsync()
    {
        await ServicesAsync("destroy", mode: "immediate");
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task While_down_every_call_is_a_store_outage_and_after_it_the_store_recovers_with_every_acknowledged_turn()
    {
        await using var store = await PostgresSessionStore.OpenAsync($"Host=127.0.0.1;Port={_port};Username=vlo;Database=vlo;Timeout=5");
        ISessionStore sessions = store;
        var writers = Enumerable.Range(0, WriterCount).Select(i => new Writer(sessions, $"w{i}")).ToArray();
        foreach (var writer in writers) await sessions.CreateSessionAsync(new StoredSession(writer.SessionId, "load", DateTimeOffset.UtcNow));
        using var stop = new CancellationTokenSource();
        var running = writers.Select(w => Task.Run(() => w.RunAsync(stop.Token))).ToArray();

        // Up: writes flow.
        await Until(() => writers.All(w => w.AcknowledgedCount >= 5), "each writer acknowledged 5 pairs");
        // A crash (immediate stop: no checkpoint, recovery replays the WAL), under load.
        await ServicesAsync("stop", mode: "immediate");
        await Until(() => writers.All(w => w.OutageCount >= 1), "each writer saw the outage");
        await Assert.ThrowsAsync<StoreUnavailableException>(() => sessions.GetTurnsAsync("w0"));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => sessions.GetImageBytesAsync(new string('a', 64)));
        var acknowledgedBefore = writers.Select(w => w.AcknowledgedCount).ToArray();

        await ServicesAsync("start");

        // Back: the store reconnects by itself and every writer moves on.
        await Until(() => writers.Select((w, i) => w.AcknowledgedCount >= acknowledgedBefore[i] + 5).All(b => b), "each writer acknowledged 5 more pairs");
        await stop.CancelAsync();
        await Task.WhenAll(running); // a writer that met anything but an outage or its own retried pair faults here
        Assert.NotNull(await sessions.GetSessionAsync("w0"));
        foreach (var writer in writers)
        {
            var turns = await sessions.GetTurnsAsync(writer.SessionId);
            // Exactly the pairs 0..n-1, once each, in order: nothing lost, nothing doubled, no half pair.
            var pairCount = turns.Count / 2;
            Assert.Equal(Enumerable.Range(0, 2 * pairCount), turns.Select(t => t.Index));
            Assert.Equal(Enumerable.Range(0, pairCount).SelectMany(k => new[] { $"q{k}", $"a{k}" }), turns.Select(t => t.Text));
            Assert.All(writer.Acknowledged, k => Assert.True(k < pairCount, $"{writer.SessionId}: acknowledged pair {k} is missing"));
            Assert.True(pairCount >= writer.AcknowledgedCount);
        }
    }

    [Fact]
    public async Task An_idle_store_answers_its_first_call_after_a_restart()
    {
        await using var store = await PostgresSessionStore.OpenAsync($"Host=127.0.0.1;Port={_port};Username=vlo;Database=vlo;Timeout=5");
        ISessionStore sessions = store;
        await sessions.CreateSessionAsync(new StoredSession("idle", "owner", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)));
        // Several pooled connections, all idle when the server dies; no call at all while it is down.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => sessions.GetTurnsAsync("idle"))));

        await ServicesAsync("stop", mode: "immediate");
        await ServicesAsync("start");

        Assert.Equal("owner", (await sessions.GetSessionAsync("idle"))!.Owner);
        Assert.Empty(await sessions.GetTurnsAsync("idle"));
    }

    /// <summary>Appends pairs 0, 1, 2, … to its session; on an outage retries the same pair; a retry that meets the
    /// pair already stored (the outage struck after the commit) moves on.</summary>
    private sealed class Writer(ISessionStore store, string sessionId)
    {
        private readonly ConcurrentBag<int> _acknowledged = [];
        private int _outageCount;

        public string SessionId => sessionId;
        public IEnumerable<int> Acknowledged => _acknowledged;
        public int AcknowledgedCount => _acknowledged.Count;
        public int OutageCount => Volatile.Read(ref _outageCount);

        public async Task RunAsync(CancellationToken stop)
        {
            var retried = false;
            for (var k = 0; !stop.IsCancellationRequested;)
            {
                var at = DateTimeOffset.UtcNow;
                try
                {
                    await store.AppendTurnsAsync(sessionId, [new TurnView(2 * k, "user", $"q{k}", [], at), new TurnView(2 * k + 1, "assistant", $"a{k}", [], at)]);
                    _acknowledged.Add(k++);
                    retried = false;
                }
                catch (StoreUnavailableException)
                {
                    Interlocked.Increment(ref _outageCount);
                    retried = true;
                    await Task.Delay(20, CancellationToken.None);
                }
                catch (PostgresException e) when (retried && e.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    k++;
                    retried = false;
                }
            }
        }
    }

    /// <summary>Waits for a condition of the load (polling); a generous deadline turns a hang into a failure.</summary>
    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"not reached in 90 s: {what}");
            await Task.Delay(20);
        }
    }

    private async Task ServicesAsync(string command, string mode = "fast")
    {
        var script = Path.Combine(TestServices.RepositoryRoot, "scripts", "services.sh");
        var start = new ProcessStartInfo("bash", [script, command, "postgres"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["VLO_SERVICES_DIR"] = _folder;
        start.Environment["VLO_POSTGRES_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["VLO_POSTGRES_STOP_MODE"] = mode;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/services.sh {command} postgres failed ({process.ExitCode}): {await output}{await error}\n{TestServices.StartHint}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
