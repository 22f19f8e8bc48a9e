using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace VLOrleans.Silo.Tests.Cluster;

/// <summary>
/// Failover soak: model nodes are killed with kill -9 and restarted, one after the other, while four conversations
/// keep asking through a web node. Afterwards every turn a client saw completed is in PostgreSQL exactly once and in
/// order: none lost, none stored twice. <c>VLO_CLUSTER_SOAK_CYCLES</c> sets the number of kill/restart cycles (20).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_and_restarting_model_nodes_under_load_loses_and_duplicates_no_acknowledged_turn()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable("VLO_CLUSTER_SOAK_CYCLES"), out var n) ? n : 20;
        await using var cluster = await LocalCluster.StartAsync(models: 2, webs: 1);
        using var web = cluster.Webs[0].Http();
        var sessions = new List<string>();
        for (var i = 0; i < 4; i++) sessions.Add(await ClusterClient.CreateSessionAsync(web));
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

        var clock = Stopwatch.StartNew();
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var victim = cluster.Models.Where(m => m.IsRunning).ElementAt(cycle % 2);
            await victim.KillAsync();
            cluster.Models.Remove(victim);
            await victim.DisposeAsync();
            await cluster.StartModelAsync();
            await LocalCluster.WaitForNodeCountAsync(cluster.Webs[0], 2, TimeSpan.FromSeconds(60));
            Assert.All(load, t => Assert.False(t.IsFaulted, t.Exception?.ToString()));
        }
        stop.Cancel();
        await Task.WhenAll(load);
        output.WriteLine($"{cycles} kill -9/restart cycles in {clock.Elapsed.TotalSeconds:0} s; turns acknowledged: {string.Join(", ", acknowledged.Values.Select(q => q.Count))}");

        foreach (var id in sessions)
        {
            var stored = await ClusterServices.StoredTurnsAsync(cluster.Postgres, id);
            var expected = acknowledged[id].SelectMany(t => new[] { ("user", t.Question), ("assistant", t.Answer) }).ToList();
            Assert.Equal(expected, stored.Select(t => (t.Role, t.Text)).ToList());
            Assert.Equal(Enumerable.Range(0, stored.Count), stored.Select(t => t.Index));
            Assert.True(acknowledged[id].Count >= cycles / 4, $"session {id}: only {acknowledged[id].Count} turns in {cycles} cycles");
        }
    }
}
