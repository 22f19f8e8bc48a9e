using System.Net;
using System.Text.Json;
using VLOrleans.Client;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Server_answers_liveness_and_404_for_unknown_routes()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["VLO__Model__Path"] = "/nonexistent/model" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        Assert.True(await new VLOrleansClient(http).IsAliveAsync());
        using var health = await http.GetAsync("/healthz");
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());
        using var missing = await http.GetAsync("/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_model_that_fails_to_load_keeps_readyz_at_503_with_the_reason_and_the_API_at_503()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["VLO__Model__Path"] = "/nonexistent/model" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var status = await ServerProbes.WaitForStatusAsync(http, s => s.GetProperty("load_error").ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(30));
        Assert.False(status.GetProperty("ready").GetBoolean());
        using var ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var problem = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("model_not_ready", problem.GetProperty("code").GetString());
        Assert.Contains("/nonexistent/model", problem.GetProperty("detail").GetString());
        Assert.Equal(TimeSpan.FromSeconds(2), ready.Headers.RetryAfter?.Delta); // every 503 says when to come back (VLO:Limits:RetryAfterSeconds)

        using var ask = await http.SendAsync(ApiRequests.Post(ApiRequests.Chat("hi")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ask.StatusCode);
        Assert.Equal("model_not_ready", (await ApiRequests.ErrorOfAsync(ask)).GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(2), ask.Headers.RetryAfter?.Delta);
        using (var created = await http.PostAsync("/api/v1/sessions", null))
        {
            var session = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
            using var sessionAsk = await http.PostAsync($"/api/v1/sessions/{session}/messages", new StringContent("{\"text\": \"hi\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, sessionAsk.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), sessionAsk.Headers.RetryAfter?.Delta);
        }
        Assert.Equal(0, PrometheusSamples.Parse(await http.GetStringAsync("/metrics"))["vlo_model_ready"]);
    }
}

public sealed class ApiKeyTests
{
    [Fact]
    public async Task With_a_key_configured_v1_needs_it_and_refuses_in_OpenAIs_envelope_while_probes_stay_open()
    {
        // No model: the key check comes first, and a request past it gets 503 (which proves it got past).
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["VLO__Model__Path"] = "/nonexistent/model",
            ["VLO__ApiKeys__0"] = "right-key",
        });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var anonymous = await http.SendAsync(ApiRequests.Post(ApiRequests.Chat("hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var error = await ApiRequests.ErrorOfAsync(anonymous);
        Assert.Equal("unauthorized", error.GetProperty("code").GetString());
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());

        using var wrong = ApiRequests.Post(ApiRequests.Chat("hi"));
        wrong.Headers.Authorization = new("Bearer", "wrong-key");
        using var wrongResponse = await http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);

        using var right = ApiRequests.Post(ApiRequests.Chat("hi"));
        right.Headers.Authorization = new("Bearer", "right-key");
        using var rightResponse = await http.SendAsync(right);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rightResponse.StatusCode);

        using var status = await http.GetAsync("/api/v1/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        Assert.Equal("application/problem+json", status.Content.Headers.ContentType?.MediaType);
        using var metrics = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}

[Collection(TinyServerCollection.Name)]
public sealed class ObservabilityTests(TinyServerFixture fixture)
{
    [Fact]
    public async Task Readyz_is_200_once_loaded_and_status_describes_the_model_and_node()
    {
        using var ready = await fixture.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        var status = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/v1/status")).RootElement;
        Assert.True(status.GetProperty("ready").GetBoolean());
        var model = status.GetProperty("model");
        Assert.Equal(Path.GetFullPath(TinyModelServer.PackageFolder), model.GetProperty("folder").GetString());
        Assert.Equal("Qwen3Vl", model.GetProperty("family").GetString());
        Assert.Equal("fp32", model.GetProperty("variant").GetString()); // the tiny package holds fp32 only
        Assert.StartsWith("automatic", model.GetProperty("variant_choice").GetString());
        Assert.True(model.GetProperty("deepstack").GetBoolean()); // Qwen3-VL carries DeepStack
        Assert.Equal(1024, model.GetProperty("max_sequence_length").GetInt32());
        Assert.Equal("cpu", status.GetProperty("device").GetProperty("decoder").GetString());
        Assert.Equal(1, status.GetProperty("device").GetProperty("decoder_threads").GetInt32());
        Assert.True(status.GetProperty("memory").GetProperty("working_set_bytes").GetInt64() > 0);
        Assert.Equal(TinyServerFixture.Slots, status.GetProperty("slots").GetProperty("total").GetInt32());
        Assert.Equal(64, status.GetProperty("queue").GetProperty("capacity").GetInt32());
    }

    [Fact]
    public async Task Metrics_parse_as_Prometheus_text_and_count_requests_by_route_and_status()
    {
        await ApiRequests.AnswerAsync(fixture.Http, ApiRequests.Chat("Say something.", null, maxTokens: 3));
        using var response = await fixture.Http.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var metrics = PrometheusSamples.Parse(text);

        Assert.True(metrics["vlo_http_requests_total{route=\"/v1/chat/completions\",method=\"POST\",status=\"200\"}"] >= 1);
        Assert.Equal(1, metrics["vlo_model_ready"]);
        Assert.Equal(TinyServerFixture.Slots, metrics["vlo_kv_slots"]);
        Assert.True(metrics["vlo_tokens_generated_total"] >= 3);
        // Histograms: cumulative buckets ending in +Inf equal to _count.
        foreach (var name in new[] { "vlo_time_to_first_token_seconds", "vlo_request_latency_seconds", "vlo_decode_tokens_per_second" })
        {
            Assert.Equal("histogram", metrics.TypeOf(name));
            var buckets = metrics.Series.Where(s => s.StartsWith(name + "_bucket{", StringComparison.Ordinal)).Select(s => metrics[s]).ToArray();
            Assert.Equal(buckets.Order(), buckets);
            Assert.Equal(metrics[name + "_count"], metrics[name + "_bucket{le=\"+Inf\"}"]);
            Assert.True(metrics[name + "_count"] >= 1);
        }
        foreach (var counter in new[] { "vlo_vision_cache_hits_total", "vlo_vision_cache_misses_total", "vlo_vision_cache_bytes", "vlo_vision_cache_evictions_total", "vlo_vision_encodes_total", "vlo_queue_depth", "vlo_kv_slots_active", "vlo_kv_slots_resident", "vlo_tokens_per_second", "vlo_prompt_tokens_prefilled_total", "vlo_sessions_active" })
            Assert.True(metrics.Has(counter), counter);
    }
}
