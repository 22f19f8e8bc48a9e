using VLOrleans.Client;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>
/// One tiny-model server for the client library and `vl` tests, with two API keys (so auth failures and per-key
/// visibility are real): 4 KV slots, 1,024-token context, one thread per ONNX session.
/// </summary>
public sealed class ClientServerFixture : IAsyncLifetime
{
    public const string ApiKey = "client-tests-key";
    public const string OtherApiKey = "client-tests-other-key";

    private readonly string _data = TinyModelServer.NewDataFolder();
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public Uri BaseAddress => Server.BaseAddress;

    public async Task InitializeAsync()
    {
        _server = await TinyModelServer.StartAsync(_data, new Dictionary<string, string>
        {
            ["VLO__ApiKeys__0"] = ApiKey,
            ["VLO__ApiKeys__1"] = OtherApiKey,
            ["VLO__Engine__SlotCount"] = "4",
            ["VLO__Engine__MaxSequenceLength"] = "1024",
        });
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));
    }

    /// <summary>A client as a bot author makes one (null key: none sent).</summary>
    public VLOrleansClient NewClient(string? apiKey = ApiKey, VLOrleansClientOptions? options = null) => VLOrleansClient.Create(BaseAddress, apiKey, options);

    public async Task DisposeAsync()
    {
        if (_server is { IsRunning: false }) Console.Error.WriteLine($"client-test server exited early:\n{_server.RecentOutput}");
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ClientServerCollection : ICollectionFixture<ClientServerFixture>
{
    public const string Name = "client server";
}
