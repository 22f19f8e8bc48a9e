using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Durability;

/// <summary>
/// The single-node server killed with SIGKILL in the middle of a turn (no shutdown hook runs), then started again on
/// the same data folder: every turn it acknowledged before the kill is there, word for word, and the interrupted turn
/// left nothing behind — neither its question nor a partial answer.
/// </summary>
public sealed class KillNineTests
{
    [Fact]
    public async Task Acknowledged_turns_survive_a_kill_mid_turn_and_the_interrupted_one_is_not_half_stored()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            string session;
            var acknowledged = new List<(string Question, string Answer)>();
            var server = await TinyModelServer.StartAsync(data);
            try
            {
                using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
                await WaitUntilReadyAsync(http);
                session = await CreateSessionAsync(http);
                using (var upload = new MultipartFormDataContent { { new ByteArrayContent(TinyModelServer.Photo("intel__gauge-1.jpg")), "file", "gauge.jpg" } })
                using (var uploaded = await http.PostAsync($"/api/v1/sessions/{session}/images", upload))
                {
                    Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
                }
                foreach (var question in new[] { "What is this?", "What colour is it?", "Is it broken?" })
                {
                    using var answered = await http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text = question, max_tokens = 5, temperature = 0 });
                    Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
                    var turn = (await answered.Content.ReadFromJsonAsync<JsonObject>())!["turn"]!;
                    acknowledged.Add((question, turn["text"]!.GetValue<string>()));
                }

                // The fourth turn streams a long answer; the server dies after its first delta.
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{session}/messages")
                {
                    Content = JsonContent.Create(new { text = "Describe every detail, at length.", max_tokens = 200, ignore_eos = true, temperature = 0, stream = true }),
                };
                using var streaming = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, streaming.StatusCode);
                using var reader = new StreamReader(await streaming.Content.ReadAsStreamAsync(), Encoding.UTF8);
                string? line;
                while ((line = await reader.ReadLineAsync()) is not null && line != "event: delta")
                {
                }
                Assert.Equal("event: delta", line);
            }
            finally
            {
                await server.DisposeAsync(); // Process.Kill: SIGKILL on Linux
            }

            await using var restarted = await TinyModelServer.StartAsync(data);
            using var again = new HttpClient { BaseAddress = restarted.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            await WaitUntilReadyAsync(again);
            using var got = await again.GetAsync($"/api/v1/sessions/{session}");
            Assert.Equal(HttpStatusCode.OK, got.StatusCode);
            var turns = (await got.Content.ReadFromJsonAsync<JsonObject>())!["turns"]!.AsArray();
            var stored = turns.Select(t => (Role: t!["role"]!.GetValue<string>(), Text: t["text"]!.GetValue<string>())).ToList();
            var expected = acknowledged.SelectMany(a => new[] { ("user", a.Question), ("assistant", a.Answer) }).ToList();
            Assert.Equal(expected, stored);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<string> CreateSessionAsync(HttpClient http)
    {
        using var created = await http.PostAsync("/api/v1/sessions", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>/readyz turns 200 once the model has loaded (bounded: two minutes).</summary>
    private static async Task WaitUntilReadyAsync(HttpClient http)
    {
        for (var i = 0; i < 600; i++)
        {
            using var ready = await http.GetAsync("/readyz");
            if (ready.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(200);
        }
        throw new TimeoutException("the model did not load within two minutes");
    }
}
