using System.Globalization;
using System.Text.Json.Nodes;
using VLOrleans.Silo.Tests.Sessions;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// <c>/metrics</c>, parsed strictly, counts every answer once where it ends — whichever endpoint asked. Deltas between
/// two scrapes are this test's alone: the collection's tests run one after another on their own server.
/// </summary>
[Collection(TinyServerCollection.Name)]
public sealed class AnswerMetricsTests(TinyServerFixture fixture)
{
    private const string TimeToFirstToken = "vlo_time_to_first_token_seconds";

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task A_session_turn_moves_the_time_to_first_token_histogram_and_the_token_counters()
    {
        var id = await SessionHttp.CreateAsync(Http);
        var before = await PrometheusSamples.ScrapeAsync(Http);
        var turn = (await SessionHttp.AskAsync(Http, id, "What is in a parcel?", maxTokens: 6))["turn"]!;
        var after = await PrometheusSamples.ScrapeAsync(Http);

        double Delta(string series) => after[series] - before[series];
        var usage = turn["usage"]!;
        var ttftSeconds = turn["timings"]!["ttft_ms"]!.GetValue<double>() / 1000;
        Assert.True(ttftSeconds > 0);
        // One observation, this turn's: _count +1, _sum + its TTFT, and +1 in exactly the buckets whose bound is ≥ it.
        Assert.Equal(1, Delta(TimeToFirstToken + "_count"));
        Assert.Equal(ttftSeconds, Delta(TimeToFirstToken + "_sum"), 4);
        var buckets = after.Samples.Where(s => s.Name == TimeToFirstToken + "_bucket").ToArray();
        Assert.True(buckets.Length > 2, "the histogram has buckets");
        foreach (var bucket in buckets)
        {
            var le = bucket.Label("le")!;
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            Assert.True((ttftSeconds <= bound ? 1 : 0) == Delta($"{TimeToFirstToken}_bucket{{le=\"{le}\"}}"), $"bucket le={le} for a TTFT of {ttftSeconds} s");
        }
        Assert.Equal(1, Delta("vlo_request_latency_seconds_count"));
        Assert.Equal(1, Delta($"vlo_generations_total{{reason=\"{turn["finish_reason"]!.GetValue<string>()}\"}}"));
        Assert.Equal(usage["prompt_tokens"]!.GetValue<int>(), Delta("vlo_prompt_tokens_total"));
        Assert.Equal(usage["completion_tokens"]!.GetValue<int>(), Delta("vlo_completion_tokens_total"));
        Assert.Equal(Delta("vlo_tokens_generated_total"), Delta("vlo_completion_tokens_total")); // the worker's count agrees

        // The follow-up reuses the session's resident KV: the cached-prompt counter moves by what the turn reports.
        var next = (await SessionHttp.AskAsync(Http, id, "And then?", maxTokens: 4))["turn"]!;
        var afterNext = await PrometheusSamples.ScrapeAsync(Http);
        var cached = next["usage"]!["cached_prompt_tokens"]!.GetValue<int>();
        Assert.True(cached > 0, "the follow-up reused the first turn's KV");
        Assert.Equal(cached, afterNext["vlo_prompt_tokens_cached_total"] - after["vlo_prompt_tokens_cached_total"]);
        Assert.Equal(1, afterNext["vlo_kv_resident_hits_total"] - after["vlo_kv_resident_hits_total"]);
        Assert.Equal(1, afterNext[TimeToFirstToken + "_count"] - after[TimeToFirstToken + "_count"]);
    }

    [Fact]
    public async Task Every_endpoint_s_answer_is_counted_exactly_once()
    {
        var before = await PrometheusSamples.ScrapeAsync(Http);

        // 1-2: a session turn, plain and streamed over SSE (a session each, so neither waits for the other to let go)
        await SessionHttp.AskAsync(Http, await SessionHttp.CreateAsync(Http), "One?", maxTokens: 3);
        using (var streamed = await SessionHttp.StartStreamAsync(Http, await SessionHttp.CreateAsync(Http), "Two?", maxTokens: 3))
        {
            var events = new List<string>();
            await foreach (var (name, _) in SessionHttp.ReadEventsAsync(streamed)) events.Add(name);
            Assert.Equal("done", events[^1]);
        }
        // 3: a turn over the SignalR hub
        await using (var hub = await HubSocket.ConnectAsync(fixture.Server.BaseAddress))
        {
            var id = (await hub.InvokeAsync("CreateSession"))!.GetValue<string>();
            var stream = await hub.StartStreamAsync("Ask", id, new JsonObject { ["text"] = "Three?", ["max_tokens"] = 3, ["temperature"] = 0 });
            while ((await hub.NextOfAsync(stream))["type"]!.GetValue<int>() == 2)
            {
            }
        }
        // 4-5: the OpenAI API, plain and streamed
        await ApiRequests.AnswerAsync(Http, ApiRequests.Chat("Four?", null, maxTokens: 3));
        using (var response = await Http.SendAsync(ApiRequests.Post(ApiRequests.Chat("Five?", null, maxTokens: 3, stream: true))))
            Assert.EndsWith("data: [DONE]", (await response.Content.ReadAsStringAsync()).TrimEnd());
        // 6: one-shot chat
        using (var oneShot = await Http.PostAsync("/api/v1/chat", JsonContent("""{"question":"Six?","max_tokens":3}""")))
            Assert.Equal(System.Net.HttpStatusCode.OK, oneShot.StatusCode);

        var after = await PrometheusSamples.ScrapeAsync(Http);
        double Answers(PrometheusSamples m) => m.Samples.Where(s => s.Name == "vlo_generations_total").Sum(s => s.Value);
        Assert.Equal(6, Answers(after) - Answers(before));
        Assert.Equal(6, after[TimeToFirstToken + "_count"] - before[TimeToFirstToken + "_count"]);
        Assert.Equal(6, after["vlo_request_latency_seconds_count"] - before["vlo_request_latency_seconds_count"]);
        Assert.Equal(after["vlo_tokens_generated_total"] - before["vlo_tokens_generated_total"],
            after["vlo_completion_tokens_total"] - before["vlo_completion_tokens_total"]);
    }

    [Fact]
    public async Task Orleans_own_meters_are_exported_beside_ours()
    {
        // A session turn is a grain call: afterwards Orleans' meters (its scope in the exporter's label) have samples
        // of their own, and the whole text still parses strictly.
        var id = await SessionHttp.CreateAsync(Http);
        await SessionHttp.AskAsync(Http, id, "Anything?", maxTokens: 2);
        var metrics = await PrometheusSamples.ScrapeAsync(Http);
        var orleans = metrics.Samples.Where(s => s.Label("otel_scope_name") == "Microsoft.Orleans").ToArray();
        Assert.NotEmpty(orleans);
        Assert.Contains(orleans, s => s.Name.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.Contains(metrics.Samples, s => s.Label("otel_scope_name") == "VLOrleans.Engine");
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
