using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace VLOrleans.Silo.Tests.Cluster;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}

/// <summary>
/// Failover of a real cluster on loopback (model and web nodes as processes, Redis membership, PostgreSQL sessions):
/// a model node killed with kill -9 between turns and during a streamed turn, and one stopped with SIGTERM mid-turn.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private static readonly string[] Questions = ["What is in the picture?", "And the colours?", "Anything else?", "Summarise our talk."];

    [Fact]
    public async Task A_model_node_killed_between_turns_leaves_the_session_to_the_other_node_with_its_whole_history()
    {
        await using var cluster = await LocalCluster.StartAsync(models: 2, webs: 2);
        using var web1 = cluster.Webs[0].Http();
        using var web2 = cluster.Webs[1].Http();
        var id = await ClusterClient.CreateSessionAsync(web1);
        var answers = new List<string>();
        foreach (var question in Questions[..3]) answers.Add(await ClusterClient.AskAsync(web1, id, question));

        var holder = await cluster.HolderAsync();
        var clock = Stopwatch.StartNew();
        await holder.KillAsync();
        await LocalCluster.WaitForNodeCountAsync(cluster.Webs[1], 1, TimeSpan.FromSeconds(60));
        output.WriteLine($"the web node listed the killed model node as gone after {clock.Elapsed.TotalSeconds:0.0} s");

        answers.Add(await ClusterClient.AskAsync(web2, id, Questions[3]));
        var turns = await ClusterClient.TurnsAsync(web2, id);
        Assert.Equal(8, turns.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Questions[i], (string)turns[2 * i]!["text"]!);
            Assert.Equal(answers[i], (string)turns[2 * i + 1]!["text"]!);
        }
        var survivor = cluster.Models.Single(m => m.IsRunning);
        Assert.Same(survivor, await cluster.HolderAsync()); // the session lives on the other model node now

        // The same four questions on one single-node server (SQLite, no cluster): greedy answers are the same, so the
        // node that took over answered from the whole history, not from a blank one.
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var single = await TinyModelServer.StartAsync(data, new Dictionary<string, string> { ["VLO__Orleans__DashboardEnabled"] = "false" });
            using var http = new HttpClient { BaseAddress = single.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
            var reference = await ClusterClient.CreateSessionAsync(http);
            var expected = new List<string>();
            foreach (var question in Questions) expected.Add(await ClusterClient.AskAsync(http, reference, question));
            Assert.Equal(expected, answers);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_model_node_killed_during_a_streamed_turn_ends_the_stream_with_a_retryable_error_and_stores_nothing()
    {
        await using var cluster = await LocalCluster.StartAsync(models: 2, webs: 1);
        using var web = cluster.Webs[0].Http();
        var id = await ClusterClient.CreateSessionAsync(web);
        await ClusterClient.AskAsync(web, id, Questions[0]);
        var holder = await cluster.HolderAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{id}/messages")
        {
            Content = JsonContent.Create(new { text = Questions[1], max_tokens = 2000, ignore_eos = true, stream = true }),
        };
        using var response = await web.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        var killed = false;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120)); // a hang fails here, not in the runner
        while (await reader.ReadLineAsync(limit.Token) is { } line)
        {
            if (!line.StartsWith("event: ", StringComparison.Ordinal)) continue;
            events.Add(line["event: ".Length..]);
            if (!killed && events[^1] == "delta")
            {
                await holder.KillAsync();
                killed = true;
            }
            if (events[^1] == "error")
            {
                var data = await reader.ReadLineAsync(limit.Token);
                Assert.Equal("node_unavailable", (string)JsonNode.Parse(data!["data: ".Length..])!["code"]!);
            }
        }
        Assert.True(killed);
        Assert.Equal("error", events[^1]);
        Assert.DoesNotContain("done", events);

        // Nothing of the broken turn was stored; asking again answers it once.
        Assert.Equal(2, (await ClusterClient.StoredTurnsAsync(cluster, id)).Count);
        await ClusterClient.AskAsync(web, id, Questions[1]);
        var stored = await ClusterClient.StoredTurnsAsync(cluster, id);
        Assert.Equal([Questions[0], Questions[1]], stored.Where(t => t.Role == "user").Select(t => t.Text));
        Assert.Equal(4, stored.Count);
    }

    [Fact]
    public async Task A_model_node_stopped_with_SIGTERM_during_a_streamed_turn_ends_the_turn_cleanly_and_exits()
    {
        await using var cluster = await LocalCluster.StartAsync(models: 2, webs: 1);
        using var web = cluster.Webs[0].Http();
        var id = await ClusterClient.CreateSessionAsync(web);
        await ClusterClient.AskAsync(web, id, Questions[0]);
        var holder = await cluster.HolderAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{id}/messages")
        {
            Content = JsonContent.Create(new { text = Questions[1], max_tokens = 2000, ignore_eos = true, stream = true }),
        };
        using var response = await web.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        Task? stopping = null;
        string? code = null;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await reader.ReadLineAsync(limit.Token) is { } line)
        {
            if (!line.StartsWith("event: ", StringComparison.Ordinal)) continue;
            events.Add(line["event: ".Length..]);
            if (stopping is null && events[^1] == "delta") stopping = holder.TerminateAsync(TimeSpan.FromSeconds(60));
            if (events[^1] == "error") code = (string)JsonNode.Parse((await reader.ReadLineAsync(limit.Token))!["data: ".Length..])!["code"]!;
        }
        Assert.NotNull(stopping);
        await stopping; // the node exits within the timeout (else this throws)
        Assert.False(holder.IsRunning);
        // The turn either finished (done) or ended with the retryable error — never a stream that just stops.
        Assert.Contains(events[^1], new[] { "done", "error" });
        if (events[^1] == "error") Assert.Equal("node_unavailable", code);
        var stored = await ClusterClient.StoredTurnsAsync(cluster, id);
        Assert.Equal(events[^1] == "done" ? 4 : 2, stored.Count);
        await ClusterClient.AskAsync(web, id, Questions[2]); // the session goes on, on the other node
    }
}
