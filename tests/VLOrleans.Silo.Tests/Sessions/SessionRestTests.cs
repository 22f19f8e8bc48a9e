using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using static VLOrleans.Silo.Tests.Sessions.SessionHttp;

namespace VLOrleans.Silo.Tests.Sessions;

/// <summary>The session REST API against the real server process on the tiny model.</summary>
public sealed class SessionRestTests
{
    [Fact]
    public async Task A_session_with_a_photo_answers_plain_and_streamed_and_survives_a_restart()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            string id, imageId;
            JsonNode before;
            var photo = TinyModelServer.Photo("intel__gauge-1.jpg");
            await using (var server = await TinyModelServer.StartAsync(data))
            {
                using var http = HttpFor(server);
                await WaitUntilModelReadyAsync(http);
                id = await CreateAsync(http);
                Assert.Matches("^[0-9a-f]{32}$", id);
                var image = await UploadAsync(http, id, photo, "gauge.jpg");
                imageId = image["id"]!.GetValue<string>();
                Assert.Matches("^[0-9a-f]{64}$", imageId);
                Assert.Equal(("jpeg", "gauge.jpg", photo.Length), (image["format"]!.GetValue<string>(), image["file_name"]!.GetValue<string>(), image["bytes"]!.GetValue<int>()));

                var plain = await AskAsync(http, id, "What does the gauge show?");
                var turn = plain["turn"]!;
                Assert.Equal((1, "assistant"), (turn["index"]!.GetValue<int>(), turn["role"]!.GetValue<string>()));
                Assert.Equal(1, turn["timings"]!["vision_encodes"]!.GetValue<int>());
                Assert.True(turn["usage"]!["prompt_tokens"]!.GetValue<int>() > image["image_tokens"]!.GetValue<int>());

                // Streamed: delta events whose texts join to the stored answer, then one done event with the turn.
                using var stream = await StartStreamAsync(http, id, "And the needle?", maxTokens: 8);
                Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
                Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
                var events = new List<(string Event, JsonObject Data)>();
                await foreach (var e in ReadEventsAsync(stream)) events.Add(e);
                Assert.Equal("done", events[^1].Event);
                Assert.All(events[..^1], e => Assert.Equal(("delta", "delta"), (e.Event, e.Data["type"]!.GetValue<string>())));
                var done = events[^1].Data["turn"]!;
                Assert.Equal(string.Concat(events[..^1].Select(e => e.Data["text"]!.GetValue<string>())), done["text"]!.GetValue<string>());
                Assert.Equal(3, done["index"]!.GetValue<int>());
                Assert.True(done["usage"]!["cached_prompt_tokens"]!.GetValue<int>() > 0); // the follow-up reused the session's KV
                Assert.Equal((1, 0), (done["timings"]!["vision_cache_hits"]!.GetValue<int>(), done["timings"]!["vision_encodes"]!.GetValue<int>()));

                before = await GetAsync(http, id);
                Assert.Equal(["user", "assistant", "user", "assistant"], before["turns"]!.AsArray().Select(t => t!["role"]!.GetValue<string>()));
                Assert.Equal(imageId, before["turns"]![0]!["image_ids"]![0]!.GetValue<string>());
            }

            // A new process on the same data folder: the turns are there and the conversation goes on.
            await using (var server = await TinyModelServer.StartAsync(data))
            {
                using var http = HttpFor(server);
                var after = await GetAsync(http, id);
                Assert.Equal(Json(before), Json(after));
                await WaitUntilModelReadyAsync(http);
                var next = await AskAsync(http, id, "Is it broken?");
                Assert.Equal(5, next["turn"]!["index"]!.GetValue<int>());
                // Turns 1-2 are back in the prompt: the image was re-prepared from the stored bytes.
                Assert.True(next["turn"]!["usage"]!["prompt_tokens"]!.GetValue<int>() > before["turns"]![3]!["usage"]!["prompt_tokens"]!.GetValue<int>());
                Assert.Equal(1, next["turn"]!["timings"]!["vision_encodes"]!.GetValue<int>());
                Assert.Equal(6, (await GetAsync(http, id))["turns"]!.AsArray().Count);

                using var deleted = await http.DeleteAsync($"/api/v1/sessions/{id}");
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
                using var gone = await http.GetAsync($"/api/v1/sessions/{id}");
                await AssertProblemAsync(gone, HttpStatusCode.NotFound, "session_not_found");
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_requests_get_the_right_problem_codes()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string> { ["VLO__Limits__MaxImageBytes"] = "200000" });
            using var http = HttpFor(server);
            await WaitUntilModelReadyAsync(http);
            var id = await CreateAsync(http);

            using (var unknown = await http.GetAsync($"/api/v1/sessions/{new string('0', 32)}"))
                await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "session_not_found");
            using (var notImage = await http.PostAsync($"/api/v1/sessions/{id}/images", new ByteArrayContent(Encoding.ASCII.GetBytes("this is not an image at all"))))
                await AssertProblemAsync(notImage, HttpStatusCode.UnprocessableEntity, "unsupported_format");
            using (var badJson = await http.PostAsync($"/api/v1/sessions/{id}/messages", new StringContent("{\"text\": ", Encoding.UTF8, "application/json")))
                await AssertProblemAsync(badJson, HttpStatusCode.BadRequest, "invalid_request");
            using (var empty = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", new { text = "" }))
                await AssertProblemAsync(empty, HttpStatusCode.BadRequest, "invalid_request");
            using (var noImage = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", new { text = "this?", image_ids = new[] { new string('f', 64) } }))
                await AssertProblemAsync(noImage, HttpStatusCode.NotFound, "image_not_found");

            // Oversize: the server answers 413 from the declared length, having read none of the 100 MB body.
            using (var socket = new TcpClient())
            {
                await socket.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
                var network = socket.GetStream();
                var head = $"POST /api/v1/sessions/{id}/images HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nContent-Type: image/jpeg\r\nContent-Length: {100L << 20}\r\n\r\n";
                await network.WriteAsync(Encoding.ASCII.GetBytes(head));
                await network.WriteAsync(new byte[1000]);
                var buffer = new byte[4096];
                var read = await network.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                var response = Encoding.ASCII.GetString(buffer, 0, read);
                Assert.StartsWith("HTTP/1.1 413", response);
                Assert.Contains("body_too_large", response);
            }
            // Chunked (no length to check): the read stops at the limit.
            using (var chunked = new StreamContent(new MemoryStream(new byte[300_000])))
            {
                chunked.Headers.ContentLength = null;
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{id}/images") { Content = chunked };
                request.Headers.TransferEncodingChunked = true;
                using var tooBig = await http.SendAsync(request);
                await AssertProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
            }

            // A second question while one streams: 409, and the session still works afterwards.
            using (var first = await StartStreamAsync(http, id, "Tell me a very long story.", maxTokens: 400))
            {
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
                await using var events = ReadEventsAsync(first).GetAsyncEnumerator();
                Assert.True(await events.MoveNextAsync());
                Assert.Equal("delta", events.Current.Event);
                using var second = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", new { text = "me too", max_tokens = 2 });
                await AssertProblemAsync(second, HttpStatusCode.Conflict, "session_busy");
            } // closing the stream cancels the first answer
            var session = await BusyRetry.RetryWhileBusyAsync(() => AskAsync(http, id, "Still there?"));
            Assert.Equal(1, session["turn"]!["index"]!.GetValue<int>()); // the cancelled turn stored nothing
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_session_is_visible_only_under_the_key_that_created_it()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string>
            {
                ["VLO__ApiKeys__0"] = "key-a",
                ["VLO__ApiKeys__1"] = "key-b",
            });
            using var a = HttpFor(server, "key-a");
            using var b = HttpFor(server, "key-b");
            using var none = HttpFor(server);
            var id = await CreateAsync(a);
            Assert.Equal(id, (await GetAsync(a, id))["id"]!.GetValue<string>());
            using (var other = await b.GetAsync($"/api/v1/sessions/{id}"))
                await AssertProblemAsync(other, HttpStatusCode.NotFound, "session_not_found");
            using (var otherAsk = await b.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", new { text = "hi" }))
                await AssertProblemAsync(otherAsk, HttpStatusCode.NotFound, "session_not_found");
            using (var anonymous = await none.GetAsync($"/api/v1/sessions/{id}"))
                await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
            using (var wrong = await HttpFor(server, "key-c").GetAsync($"/api/v1/sessions/{id}"))
                await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "unauthorized");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
