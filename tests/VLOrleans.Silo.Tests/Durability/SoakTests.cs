namespace VLOrleans.Silo.Tests.Durability;

/// <summary>
/// The short soak inside make test: `vl soak` (the command a release runs with 1,000 turns) with 120 turns against the
/// real server on the tiny model — REST/SSE, SignalR and the OpenAI API, a fifth of the clients leaving mid-stream and a
/// tenth of the requests malformed — and the same checks: no slot held, nothing queued, no 5xx, every answered turn
/// stored, resident memory flat.
/// </summary>
public sealed class SoakTests
{
    [Fact]
    public async Task A_short_soak_leaks_no_slot_loses_no_turn_and_answers_no_5xx()
    {
        const int maxRequestBytes = 1 << 20;
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string> { ["VLO__Limits__MaxRequestBytes"] = maxRequestBytes.ToString() });
            // 120 turns end before the server's memory settles (the vision cache, JIT and thread pools still grow around
            // turn 40: +6% seen), so the short run allows 20%; the 1,000-turn `vl soak` keeps the 5% limit from turn 200 on.
            var soak = await Client.VlProcess.RunAsync(["soak", "--turns", "120", "--server", server.BaseAddress.ToString(), "--max-request-bytes", maxRequestBytes.ToString(),
                "--max-rss-growth", "0.2"],
                timeout: TimeSpan.FromMinutes(8));
            var report = soak.StdOut;
            Assert.True(soak.ExitCode == 0, $"exit {soak.ExitCode}:\n{report}\n{soak.StdErr}");
            Assert.Contains("soak: 120 turns over 16 concurrent sessions", report);
            Assert.Contains("[ok] slots held 0, queue 0", report);
            Assert.Contains("[ok] server errors (5xx, hub faults, hangs, broken streams): 0", report);
            Assert.Contains("missing from the store: 0", report);
            Assert.DoesNotContain("FAIL", report);
            // "HTTP statuses: 200×87, 201×49, 400×2, …": every status the clients saw is below 500.
            var statuses = report.Split('\n').Single(l => l.Contains("HTTP statuses:")).Split(':', 2)[1]
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s.Split('×')[0])).ToList();
            Assert.Contains(200, statuses);
            Assert.All(statuses, s => Assert.InRange(s, 200, 499));
            Assert.True(server.IsRunning);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
