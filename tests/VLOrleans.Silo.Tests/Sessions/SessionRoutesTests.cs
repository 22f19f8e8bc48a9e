using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static VLOrleans.Silo.Tests.Sessions.SessionHttp;

namespace VLOrleans.Silo.Tests.Sessions;

/// <summary>One tiny-model server with two API keys, shared by <see cref="SessionRoutesTests"/>.</summary>
public sealed class KeyedServerFixture : IAsyncLifetime
{
    private readonly string _data = TinyModelServer.NewDataFolder();
    private ServerProcess? _server;

    public HttpClient A { get; private set; } = null!;

    public HttpClient B { get; private set; } = null!;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await TinyModelServer.StartAsync(_data, new Dictionary<string, string> { ["VLO__ApiKeys__0"] = "key-a", ["VLO__ApiKeys__1"] = "key-b" });
        A = HttpFor(_server, "key-a");
        B = HttpFor(_server, "key-b");
        await WaitUntilModelReadyAsync(A);
    }

    public async Task DisposeAsync()
    {
        A?.Dispose();
        B?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The session routes beyond create/read/ask: an image's bytes, the owner's session list, cancelling a turn
/// from another connection, and Idempotency-Keys — each also refused to another API key.</summary>
public sealed class SessionRoutesTests(KeyedServerFixture fixture) : IClassFixture<KeyedServerFixture>
{
    private HttpClient A => fixture.A;
    private HttpClient B => fixture.B;

    [Fact]
    public async Task An_image_comes_back_as_uploaded_with_its_type_and_cache_headers_and_only_to_its_owner()
    {
        var photo = TinyModelServer.Photo("intel__gauge-1.jpg");
        var id = await CreateAsync(A);
        var imageId = (await UploadAsync(A, id, photo, "gauge.jpg"))["id"]!.GetValue<string>();

        using var response = await A.GetAsync($"/api/v1/sessions/{id}/images/{imageId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(photo, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"\"{imageId}\"", response.Headers.ETag?.Tag);
        Assert.Equal(["immutable", "max-age=31536000", "private"], response.Headers.CacheControl!.ToString().Split(", ").Order(StringComparer.Ordinal));

        // The id is a content hash: a browser that has it asks with If-None-Match and gets 304 with no body.
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sessions/{id}/images/{imageId}");
        again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{imageId}\""));
        using var notModified = await A.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using (var stranger = await B.GetAsync($"/api/v1/sessions/{id}/images/{imageId}"))
            await AssertProblemAsync(stranger, HttpStatusCode.NotFound, "session_not_found");
        // Another of A's sessions does not have the image, though its bytes are stored: not found there.
        var other = await CreateAsync(A);
        using (var elsewhere = await A.GetAsync($"/api/v1/sessions/{other}/images/{imageId}"))
            await AssertProblemAsync(elsewhere, HttpStatusCode.NotFound, "image_not_found");
        using (var unknown = await A.GetAsync($"/api/v1/sessions/{id}/images/{new string('0', 64)}"))
            await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "image_not_found");
    }

    [Fact]
    public async Task A_key_lists_its_own_sessions_newest_first_in_pages()
    {
        var before = await ListAsync(B, "?limit=100");
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await CreateAsync(B));
            await Task.Delay(5); // distinct creation milliseconds, so "newest first" is the creation order reversed
        }
        var aSession = await CreateAsync(A);

        var first = await ListAsync(B, "?limit=2");
        Assert.Equal([created[2], created[1]], Ids(first));
        var cursor = first["next_cursor"]!.GetValue<string>();
        var second = await ListAsync(B, $"?limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal(created[0], Ids(second)[0]);
        var all = await ListAsync(B, "?limit=100");
        Assert.Equal(Ids(before).Count + 3, Ids(all).Count);
        Assert.Null(all["next_cursor"]);
        Assert.DoesNotContain(aSession, Ids(all));
        Assert.Contains(aSession, Ids(await ListAsync(A, "?limit=100")));
        Assert.All(first["sessions"]!.AsArray(), s => Assert.True(s!["created_at"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddMinutes(-10)));

        foreach (var bad in new[] { "?limit=0", "?limit=101", "?limit=ten" })
        {
            using var refused = await B.GetAsync($"/api/v1/sessions{bad}");
            await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "invalid_request");
        }
        using var badCursor = await B.GetAsync("/api/v1/sessions?cursor=not-a-cursor");
        await AssertProblemAsync(badCursor, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Cancel_stops_the_running_answer_from_another_connection_and_stores_nothing()
    {
        var id = await CreateAsync(A);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{id}/messages")
        {
            Content = JsonContent.Create(new { text = "Tell me a very long story.", max_tokens = 2000, ignore_eos = true, stream = true }),
        };
        using var stream = await A.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await using var events = ReadEventsAsync(stream).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("delta", events.Current.Event);

        using (var stranger = await B.PostAsync($"/api/v1/sessions/{id}/cancel", null))
            await AssertProblemAsync(stranger, HttpStatusCode.NotFound, "session_not_found");
        // Another connection of the same key, as another tab would be: here the client library's CancelAsync.
        using (var other = VLOrleans.Client.VLOrleansClient.Create(fixture.Server.BaseAddress, "key-a"))
            Assert.True(await (await other.ResumeSessionAsync(id)).CancelAsync());

        // The stream ends with one error event that says so (no done event), well before 2000 tokens.
        (string Event, JsonObject Data) last = default;
        var deltas = 1;
        while (await events.MoveNextAsync())
        {
            last = events.Current;
            if (last.Event == "delta") deltas++;
        }
        Assert.Equal("error", last.Event);
        Assert.Equal("turn_cancelled", last.Data!["code"]!.GetValue<string>());
        Assert.True(deltas < 2000);
        Assert.Empty((await GetAsync(A, id))["turns"]!.AsArray());

        using (var idle = await A.PostAsync($"/api/v1/sessions/{id}/cancel", null))
            Assert.False((await idle.Content.ReadFromJsonAsync<JsonObject>())!["cancelled"]!.GetValue<bool>());
        Assert.Equal(1, (await AskAsync(A, id, "Still there?"))["turn"]!["index"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_idempotency_key_makes_one_session_and_one_turn_however_often_it_is_sent()
    {
        var first = await CreateWithKeyAsync(A, "create-1");
        Assert.Equal(first, await CreateWithKeyAsync(A, "create-1"));
        Assert.NotEqual(first, await CreateWithKeyAsync(B, "create-1")); // keys are per API key

        var answer = await AskWithKeyAsync(A, first, "ask-1", "What is this?");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var again = await AskWithKeyAsync(A, first, "ask-1", "What is this?");
        Assert.Equal(Json(answer.Body["turn"]), Json(again.Body["turn"]));
        Assert.Equal(2, (await GetAsync(A, first))["turns"]!.AsArray().Count);

        // Streamed, the retry replays the stored turn: its whole text as one delta, then done.
        var streamed = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{first}/messages")
        {
            Content = JsonContent.Create(new { text = "What is this?", max_tokens = 6, temperature = 0, stream = true }),
        };
        streamed.Headers.Add("Idempotency-Key", "ask-1");
        using var sse = await A.SendAsync(streamed, HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Event, JsonObject Data)>();
        await foreach (var e in ReadEventsAsync(sse)) events.Add(e);
        Assert.Equal("done", events[^1].Event);
        Assert.Equal(Json(answer.Body["turn"]), Json(events[^1].Data["turn"]));
        Assert.Equal(answer.Body["turn"]!["text"]!.GetValue<string>(), string.Concat(events[..^1].Select(e => e.Data["text"]!.GetValue<string>())));

        var changed = await AskWithKeyAsync(A, first, "ask-1", "Something else?");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency_key_reused"), (changed.Status, changed.Body["code"]!.GetValue<string>()));
        using var reusedForCreate = await PostWithKeyAsync(A, "/api/v1/sessions", "ask-1", null);
        await AssertProblemAsync(reusedForCreate, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        using var tooLong = await PostWithKeyAsync(A, "/api/v1/sessions", new string('k', 256), null);
        await AssertProblemAsync(tooLong, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(2, (await GetAsync(A, first))["turns"]!.AsArray().Count);
    }

    private static List<string> Ids(JsonObject page) => [.. page["sessions"]!.AsArray().Select(s => s!["id"]!.GetValue<string>())];

    private static async Task<JsonObject> ListAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync($"/api/v1/sessions{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static async Task<HttpResponseMessage> PostWithKeyAsync(HttpClient http, string path, string key, object? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    private static async Task<string> CreateWithKeyAsync(HttpClient http, string key)
    {
        using var response = await PostWithKeyAsync(http, "/api/v1/sessions", key, null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> AskWithKeyAsync(HttpClient http, string id, string key, string text)
    {
        using var response = await PostWithKeyAsync(http, $"/api/v1/sessions/{id}/messages", key, new { text, max_tokens = 6, temperature = 0 });
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }
}
