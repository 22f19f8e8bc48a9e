using System.Net;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// One tiny-model server shared by the API tests of the <see cref="TinyServerCollection"/> (they run one after
/// another, so metric deltas are theirs alone): 8 KV slots, 1,024-token context, a 1 MiB body cap (so an
/// oversize body is cheap to send), a 600 kB image cap, image URLs allowed from localhost, one thread per ONNX session.
/// </summary>
public sealed class TinyServerFixture : IAsyncLifetime
{
    public const long MaxRequestBytes = 1 << 20;
    public const int Slots = 8;
    public const long MaxImageBytes = 600_000;

    /// <summary>The one host the server may fetch image URLs from (tests serve images there with <see cref="ImageHost"/>).</summary>
    public const string AllowedImageHost = "localhost";

    /// <summary>Another name /v1/chat/completions accepts for the served model.</summary>
    public const string ModelAlias = "gpt-4o-mini";

    private readonly string _data = TinyModelServer.NewDataFolder();
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await TinyModelServer.StartAsync(_data, new Dictionary<string, string>
        {
            ["VLO__Engine__SlotCount"] = Slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VLO__Engine__MaxSequenceLength"] = "1024",
            ["VLO__Limits__MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VLO__Limits__MaxImageBytes"] = MaxImageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VLO__OpenAi__AllowedImageHosts__0"] = AllowedImageHost,
            ["VLO__OpenAi__ModelAliases__0"] = ModelAlias,
        });
        Http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        await ServerProbes.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        if (_server is { IsRunning: false }) Console.Error.WriteLine($"tiny server exited early:\n{_server.RecentOutput}");
        Http.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyServerCollection : ICollectionFixture<TinyServerFixture>
{
    public const string Name = "tiny server";
}

/// <summary>Polling the probes a load balancer would use.</summary>
public static class ServerProbes
{
    public static async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await http.GetAsync("/readyz");
            if (response.StatusCode == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/readyz still {(int)response.StatusCode} after {timeout}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds for /api/v1/status, or fails after <paramref name="timeout"/>.</summary>
    public static async Task<System.Text.Json.JsonElement> WaitForStatusAsync(HttpClient http, Func<System.Text.Json.JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/v1/status")).RootElement;
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"status did not reach the expected state within {timeout}: {status}");
            await Task.Delay(100);
        }
    }
}
