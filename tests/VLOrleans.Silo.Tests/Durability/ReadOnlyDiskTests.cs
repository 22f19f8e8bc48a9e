using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VLOrleans.Silo.Tests.Sessions;

namespace VLOrleans.Silo.Tests.Durability;

/// <summary>
/// Issue 22, a read-only disk, for real: the server runs in a private mount namespace (<c>unshare -m</c>) where its
/// folders are read-only bind mounts (a write there fails with EROFS even for root, which permissions would not
/// stop). With <c>VLO:Store=memory</c> it answers image questions with its working directory and data folder
/// read-only, and leaves both empty. (Remounting the data folder read-only under a running SQLite server is refused by
/// the kernel — EBUSY while the store holds its file open for writing — so that case is tested at the grain and SSE
/// layers with a store that fails on append.)
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
        var uploaded = new List<string>();
        foreach (var photo in new[] { "intel__gauge-1.jpg", "sam__dog.jpg" })
        {
            uploaded.Add((await SessionHttp.UploadAsync(http, session, TinyModelServer.Photo(photo), photo))["id"]!.GetValue<string>());
            var answer = await SessionHttp.AskAsync(http, session, "What does the image show?", maxTokens: 4);
            Assert.Equal("assistant", answer["turn"]!["role"]!.GetValue<string>());
        }
        // Each question was asked about the image uploaded before it (user turns 0 and 2), answers at 1 and 3.
        var turns = (await SessionHttp.GetAsync(http, session))["turns"]!.AsArray();
        Assert.Equal([0, 1, 2, 3], turns.Select(t => t!["index"]!.GetValue<int>()));
        Assert.Equal(uploaded, [turns[0]!["image_ids"]![0]!.GetValue<string>(), turns[2]!["image_ids"]![0]!.GetValue<string>()]);

        // Said on the status page and at startup.
        var store = (await http.GetFromJsonAsync<JsonObject>("/api/v1/status"))!["store"]!;
        Assert.Equal(("memory", false), (store["kind"]!.GetValue<string>(), store["durable"]!.GetValue<bool>()));
        Assert.Contains("Sessions are stored in memory only", server.RecentOutput, StringComparison.Ordinal);
        await server.StopAsync();
        Assert.Empty(Directory.GetFileSystemEntries(_data));
        Assert.Empty(Directory.GetFileSystemEntries(_workingDirectory));
    }

    public async Task DisposeAsync()
    {
        await Task.CompletedTask;
        foreach (var folder in new[] { _data, _workingDirectory })
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
