using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>Back-pressure: with one KV slot and room for one waiting request, a third request is refused at once.</summary>
public sealed class QueueFullTests
{
    [Fact]
    public async Task When_the_queue_is_full_requests_get_429_with_Retry_After_on_both_APIs()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string>
            {
                ["VLO__Engine__SlotCount"] = "1",
                ["VLO__Engine__MaxWaitingRequests"] = "1",
                ["VLO__Engine__MaxSequenceLength"] = "1024",
                ["VLO__Limits__RetryAfterSeconds"] = "7",
            });
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));

            using var abort = new CancellationTokenSource();
            // The first long answer takes the only slot; the second waits in the only queue place.
            using var running = await http.SendAsync(ApiRequests.Post(ApiRequests.Chat("one", null, 900, stream: true, ignoreEos: true)), HttpCompletionOption.ResponseHeadersRead, abort.Token);
            Assert.Equal(HttpStatusCode.OK, running.StatusCode);
            await ServerProbes.WaitForStatusAsync(http, s => s.GetProperty("slots").GetProperty("active").GetInt32() == 1, TimeSpan.FromSeconds(20));
            using var waiting = await http.SendAsync(ApiRequests.Post(ApiRequests.Chat("two", null, 900, stream: true, ignoreEos: true)), HttpCompletionOption.ResponseHeadersRead, abort.Token);
            Assert.Equal(HttpStatusCode.OK, waiting.StatusCode);
            await ServerProbes.WaitForStatusAsync(http, s => s.GetProperty("queue").GetProperty("waiting").GetInt32() == 1, TimeSpan.FromSeconds(20));

            using var refused = await http.SendAsync(ApiRequests.Post(ApiRequests.Chat("three", null, 5)));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
            var error = await ApiRequests.ErrorOfAsync(refused);
            Assert.Equal("queue_full", error.GetProperty("code").GetString());
            Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());

            using var oneShot = await http.PostAsJsonAsync("/api/v1/chat", new { question = "four", max_tokens = 5 });
            Assert.Equal(HttpStatusCode.TooManyRequests, oneShot.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), oneShot.Headers.RetryAfter?.Delta);
            Assert.Equal("queue_full", JsonDocument.Parse(await oneShot.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

            var metrics = await PrometheusSamples.ScrapeAsync(http);
            Assert.Equal(1, metrics["vlo_queue_depth"]);
            Assert.Equal(1, metrics["vlo_http_requests_total{route=\"/v1/chat/completions\",method=\"POST\",status=\"429\"}"]);
            Assert.Equal(1, metrics["vlo_http_requests_total{route=\"/api/v1/chat\",method=\"POST\",status=\"429\"}"]);

            abort.Cancel();
            running.Dispose();
            waiting.Dispose();
            await ServerProbes.WaitForStatusAsync(http,
                s => s.GetProperty("slots").GetProperty("active").GetInt32() == 0 && s.GetProperty("queue").GetProperty("waiting").GetInt32() == 0, TimeSpan.FromSeconds(20));
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }
}
