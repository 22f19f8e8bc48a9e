using System.Text.Json;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>How the server serves many stateless requests: the vision cache, batching, and cancellation on disconnect.</summary>
[Collection(TinyServerCollection.Name)]
public sealed class ServingTests(TinyServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task The_same_image_asked_twice_is_encoded_once_and_served_from_the_vision_cache()
    {
        // An image no other test of this server sends, so its first request must be a miss.
        var image = ApiRequests.DataUrl(TinyModelServer.Photo("skimage__chelsea.png"), "image/png");
        var before = await PrometheusSamples.ScrapeAsync(Http);

        var first = await ApiRequests.AnswerAsync(Http, ApiRequests.Chat("What animal is this?", image, maxTokens: 4));
        var afterFirst = await PrometheusSamples.ScrapeAsync(Http);
        Assert.Equal(1, afterFirst["vlo_vision_encodes_total"] - before["vlo_vision_encodes_total"]);
        Assert.Equal(1, afterFirst["vlo_vision_cache_misses_total"] - before["vlo_vision_cache_misses_total"]);

        var second = await ApiRequests.AnswerAsync(Http, ApiRequests.Chat("What animal is this?", image, maxTokens: 4));
        var afterSecond = await PrometheusSamples.ScrapeAsync(Http);
        Assert.Equal(0, afterSecond["vlo_vision_encodes_total"] - afterFirst["vlo_vision_encodes_total"]);
        Assert.Equal(1, afterSecond["vlo_vision_cache_hits_total"] - afterFirst["vlo_vision_cache_hits_total"]);
        Assert.Equal(0, afterSecond["vlo_vision_cache_misses_total"] - afterFirst["vlo_vision_cache_misses_total"]);
        Assert.Equal(first, second); // greedy, same embeddings
    }

    [Fact]
    public async Task Eight_concurrent_greedy_requests_answer_as_they_do_one_at_a_time_and_share_steps()
    {
        var image = ApiRequests.DataUrl(TinyModelServer.Photo("intel__gauge-1.jpg"), "image/jpeg");
        var questions = Enumerable.Range(1, 8).Select(i => i % 2 == 0
            ? ApiRequests.Chat($"Question {i}: what is the needle pointing at?", image, maxTokens: 10)
            : ApiRequests.Chat($"Question {i}: write {i} words about dials.", null, maxTokens: 10)).ToArray();

        var stepsBefore = (await PrometheusSamples.ScrapeAsync(Http))["vlo_worker_steps_total"];
        var alone = new List<string>();
        foreach (var question in questions) alone.Add(await ApiRequests.AnswerAsync(Http, question.DeepClone().AsObject()));
        var stepsAlone = (await PrometheusSamples.ScrapeAsync(Http))["vlo_worker_steps_total"] - stepsBefore;

        var together = await Task.WhenAll(questions.Select(q => ApiRequests.AnswerAsync(Http, q.DeepClone().AsObject())));
        var stepsTogether = (await PrometheusSamples.ScrapeAsync(Http))["vlo_worker_steps_total"] - stepsBefore - stepsAlone;

        Assert.Equal(alone, together);
        Assert.True(alone.Distinct().Count() > 1, "different prompts should give different greedy answers");
        // One at a time every token is its own step; together, decode steps carry several sequences at once.
        Assert.True(stepsTogether < stepsAlone, $"{stepsTogether} steps together vs {stepsAlone} one at a time");
    }

    [Fact]
    public async Task Closing_the_connection_mid_stream_cancels_the_generation_and_frees_its_slot()
    {
        const int maxTokens = 900;
        var tokensBefore = (await PrometheusSamples.ScrapeAsync(Http))["vlo_tokens_generated_total"];
        var cancelledBefore = (await PrometheusSamples.ScrapeAsync(Http))["vlo_generations_total{reason=\"cancelled\"}"];
        using (var abort = new CancellationTokenSource())
        {
            using var request = ApiRequests.Post(ApiRequests.Chat("Count forever.", null, maxTokens, stream: true, ignoreEos: true));
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, abort.Token);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(abort.Token));
            var dataLines = 0;
            while (dataLines < 4 && await reader.ReadLineAsync(abort.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal)) dataLines++;
            }
            Assert.Equal(4, dataLines);
            var busy = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/status")).RootElement;
            Assert.Equal(1, busy.GetProperty("slots").GetProperty("active").GetInt32());
            abort.Cancel(); // closes the connection
        }

        var status = await ServerProbes.WaitForStatusAsync(Http, s => s.GetProperty("slots").GetProperty("active").GetInt32() == 0, TimeSpan.FromSeconds(20));
        Assert.Equal(0, status.GetProperty("queue").GetProperty("waiting").GetInt32());
        var metrics = await PrometheusSamples.ScrapeAsync(Http);
        Assert.Equal(0, metrics["vlo_kv_slots_active"]);
        Assert.True(metrics["vlo_tokens_generated_total"] - tokensBefore < maxTokens, "the generation stopped before its max_tokens");
        Assert.Equal(1, metrics["vlo_generations_total{reason=\"cancelled\"}"] - cancelledBefore);
    }
}
