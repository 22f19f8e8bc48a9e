using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VLOrleans.Grains.Storage;
using VLOrleans.Silo.Tests.Sessions;

namespace VLOrleans.Silo.Tests.Durability;

/// <summary>
/// Issue 22, a read-only disk, for real: the server runs in a private mount namespace (<c>unshare -m</c>) where its
/// folders are read-only bind mounts (a write there fails with EROFS even for root, which permissions would not
/// stop). With <c>VLO:Store=memory</c> it answers image questions with its working directory and data folder
/// read-only. With the SQLite store, a data folder that turns read-only under the running server makes uploads and
/// asks fail with 503 <c>store_unavailable</c> + Retry-After (a streamed answer ends with a retryable error event),
/// and everything stored before reads back intact.
/// </summary>
public sealed class ReadOnlyDiskTests : IAsyncLifetime
{
    private readonly string _data = TinyModelServer.NewDataFolder();
    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("vlo-ro-cwd-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task With_the_memory_store_the_server_answers_image_questions_from_read_only_folders()
    {
        await using var server = await TinyModelServer.StartAsync(_data, new Dictionary<string, string> { ["VLO__Store"] = "memory" },
            launcher: HostCommand.PrivateMounts(readOnly: true, _workingDirectory, _data, _workingDirectory));
        // The folders really are read-only where the server runs (even for root)...
        foreach (var folder in new[] { _data, _workingDirectory })
        {
            var (code, output) = await HostCommand.RunAsync("nsenter", "-t", server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "touch", Path.Combine(folder, "probe"));
            Assert.NotEqual(0, code);
            Assert.Contains("Read-only file system", output, StringComparison.Ordinal);
        }

        using var http = SessionHttp.HttpFor(server);
        await SessionHttp.WaitUntilModelReadyAsync(http);
        var session = await SessionHttp.CreateAsync(http);
        foreach (var photo in new[] { "intel__gauge-1.jpg", "sam__dog.jpg" })
        {
            var image = await SessionHttp.UploadAsync(http, session, TinyModelServer.Photo(photo), photo);
            var answer = await SessionHttp.AskAsync(http, session, "What does the image show?", maxTokens: 4);
            Assert.Equal([image["id"]!.GetValue<string>()], answer["turn"]!["image_ids"] is { } ids ? ids.AsArray().Select(i => i!.GetValue<string>()) : []);
        }
        Assert.Equal(4, (await SessionHttp.GetAsync(http, session))["turns"]!.AsArray().Count);

        // Said on the status page and at startup.
        var store = (await http.GetFromJsonAsync<JsonObject>("/api/v1/status"))!["store"]!;
        Assert.Equal(("memory", false), (store["kind"]!.GetValue<string>(), store["durable"]!.GetValue<bool>()));
        Assert.Contains("Sessions are stored in memory only", server.RecentOutput, StringComparison.Ordinal);
        await server.StopAsync();
        Assert.Empty(Directory.GetFileSystemEntries(_data));
        Assert.Empty(Directory.GetFileSystemEntries(_workingDirectory));
    }

    [Fact]
    public async Task A_data_folder_that_turns_read_only_gives_503_store_unavailable_and_damages_nothing()
    {
        var photo = TinyModelServer.Photo("intel__gauge-1.jpg");
        string session;
        List<string> answers = [];
        await using (var server = await TinyModelServer.StartAsync(_data, launcher: HostCommand.PrivateMounts(readOnly: false, _workingDirectory, _data)))
        {
            using var http = SessionHttp.HttpFor(server);
            await SessionHttp.WaitUntilModelReadyAsync(http);
            session = await SessionHttp.CreateAsync(http);
            await SessionHttp.UploadAsync(http, session, photo, "gauge.jpg");
            answers.Add((await SessionHttp.AskAsync(http, session, "What does the gauge read?"))["turn"]!["text"]!.GetValue<string>());

            await HostCommand.RemountAsync(server.ProcessId, _data, readOnly: true);
            using (var ask = await http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text = "And now?", max_tokens = 3 }))
                await AssertStoreUnavailableAsync(ask);
            using (var upload = await http.PostAsync($"/api/v1/sessions/{session}/images", new ByteArrayContent(TinyModelServer.Photo("sam__dog.jpg"))))
                await AssertStoreUnavailableAsync(upload);
            using (var stream = await SessionHttp.StartStreamAsync(http, session, "And streamed?", maxTokens: 3))
            {
                Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
                var events = (await stream.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                    .Where(e => !e.StartsWith(':')).ToArray();
                Assert.All(events[..^1], e => Assert.StartsWith("event: delta\n", e, StringComparison.Ordinal));
                Assert.StartsWith("event: error\ndata: ", events[^1], StringComparison.Ordinal);
                var error = JsonNode.Parse(events[^1]["event: error\ndata: ".Length..])!;
                Assert.Equal(("store_unavailable", true), (error["code"]!.GetValue<string>(), error["retryable"]!.GetValue<bool>()));
            }

            // Writable again: the same session goes on where it was (nothing of the failed turns was stored).
            await HostCommand.RemountAsync(server.ProcessId, _data, readOnly: false);
            var turn = (await SessionHttp.AskAsync(http, session, "Once more?"))["turn"]!;
            Assert.Equal(3, turn["index"]!.GetValue<int>());
            answers.Add(turn["text"]!.GetValue<string>());
            await server.StopAsync();
        }

        // Reopened from the host: everything stored before and after the outage is there, intact.
        await using var store = SqliteSessionStore.Open(Path.Combine(_data, "sessions.db"));
        ISessionStore reader = store;
        var turns = await reader.GetTurnsAsync(session);
        Assert.Equal([0, 1, 2, 3], turns.Select(t => t.Index));
        Assert.Equal(["What does the gauge read?", answers[0], "Once more?", answers[1]], turns.Select(t => t.Text));
        var link = Assert.Single(await reader.GetImagesAsync(session));
        Assert.Equal(photo, await reader.GetImageBytesAsync(link.Image.Id));
    }

    private static async Task AssertStoreUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("store_unavailable", problem["code"]!.GetValue<string>());
        Assert.Contains("read-only", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await Task.CompletedTask;
        foreach (var folder in new[] { _data, _workingDirectory })
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
