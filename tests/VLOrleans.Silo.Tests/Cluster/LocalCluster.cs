using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Cluster;

/// <summary>
/// A real cluster on loopback for one test: model nodes (<c>VLO__Role=model</c>, the tiny model) and web nodes
/// (<c>VLO__Role=web</c>), all with the same fresh cluster id in the tests' Redis and a fresh schema in their
/// PostgreSQL. Disposing kills every node and drops the schema.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private readonly string? _schema;
    private readonly string _dataFolder;
    private readonly Dictionary<string, string> _environment;

    private LocalCluster(string? schema, string clusterId, string postgres, string dataFolder)
    {
        _schema = schema;
        _dataFolder = dataFolder;
        Postgres = postgres;
        _environment = new Dictionary<string, string>
        {
            ["VLO__Cluster__Redis"] = ClusterServices.Redis,
            ["VLO__Cluster__Postgres"] = postgres,
            ["VLO__Orleans__ClusterId"] = clusterId,
            ["VLO__Model__Path"] = TinyModelServer.PackageFolder,
            ["VLO__DataPath"] = dataFolder,
            ["VLO__Engine__DecoderThreads"] = "1",
            ["VLO__Engine__VisionThreads"] = "1",
            ["VLO__Orleans__DashboardEnabled"] = "false",
            ["ORT_DISABLE_TELEMETRY"] = "1",
        };
    }

    /// <summary>The sessions' database (its schema in the search path).</summary>
    public string Postgres { get; }

    public List<ClusterNode> Models { get; } = [];
    public List<ClusterNode> Webs { get; } = [];

    /// <summary>Starts the nodes; <paramref name="postgres"/> = a database of the test's own (else a fresh schema in the tests' one).</summary>
    public static async Task<LocalCluster> StartAsync(int models, int webs, string? postgres = null)
    {
        var id = "c" + Guid.NewGuid().ToString("N")[..20];
        var cluster = postgres is null
            ? new LocalCluster(id, id, await ClusterServices.NewSchemaAsync(id), TinyModelServer.NewDataFolder())
            : new LocalCluster(null, id, postgres, TinyModelServer.NewDataFolder());
        try
        {
            for (var i = 0; i < models; i++) await cluster.StartModelAsync();
            for (var i = 0; i < webs; i++) cluster.Webs.Add(ClusterNode.Start("web", cluster._environment));
            foreach (var web in cluster.Webs) await web.WaitReadyAsync(StartTimeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more model node and waits until its model is loaded.</summary>
    public async Task<ClusterNode> StartModelAsync()
    {
        var node = ClusterNode.Start("model", _environment);
        Models.Add(node);
        await node.WaitReadyAsync(StartTimeout);
        return node;
    }

    /// <summary>The running model node whose status counts an active session (tests that need it run one session).</summary>
    public async Task<ClusterNode> HolderAsync()
    {
        foreach (var node in Models.Where(m => m.IsRunning))
        {
            using var http = node.Http(TimeSpan.FromSeconds(10));
            var status = await http.GetFromJsonAsync<JsonObject>("/api/v1/status");
            if ((int)status!["sessions_active"]! > 0) return node;
        }
        throw new InvalidOperationException("no model node holds a session");
    }

    /// <summary>Polls <paramref name="web"/>'s status until its cluster lists exactly <paramref name="count"/> model nodes.</summary>
    public static async Task WaitForNodeCountAsync(ClusterNode web, int count, TimeSpan timeout)
    {
        using var http = web.Http(TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var status = await http.GetFromJsonAsync<JsonObject>("/api/v1/status");
                if (status!["cluster"]!["nodes"]!.AsArray().Count == count) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the web node did not list {count} model nodes within {timeout}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Webs.Concat(Models)) await node.DisposeAsync();
        if (_schema is not null)
        {
            try { await ClusterServices.DropSchemaAsync(_schema); } catch (Npgsql.NpgsqlException) { }
        }
        try { Directory.Delete(_dataFolder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The session API as a client of a cluster uses it: a 503 with a retryable code (a node died, the store is
/// down) is asked again after its Retry-After; before asking again, the client checks whether the failed turn was in
/// fact stored (its answer was lost on the way), so a turn is never stored twice.</summary>
public static class ClusterClient
{
    public static async Task<string> CreateSessionAsync(HttpClient http)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/sessions", new { });
            if (response.StatusCode == HttpStatusCode.Created) return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            await RetryOrThrowAsync(response, attempt);
        }
    }

    /// <summary>Asks <paramref name="text"/> (greedy) until it is answered; returns the assistant turn's text.</summary>
    public static async Task<string> AskAsync(HttpClient http, string sessionId, string text, int maxTokens = 6)
    {
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsJsonAsync($"/api/v1/sessions/{sessionId}/messages", new { text, max_tokens = maxTokens, temperature = 0 });
            }
            catch (HttpRequestException) when (attempt < 20)
            {
                await Task.Delay(500);
                continue;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.OK)
                    return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["turn"]!["text"]!;
                await RetryOrThrowAsync(response, attempt);
            }
            if (await StoredAnswerAsync(http, sessionId, text) is { } stored) return stored;
        }
    }

    /// <summary>The answer of the last turn when its question is <paramref name="text"/> (the failed ask was stored).</summary>
    public static async Task<string?> StoredAnswerAsync(HttpClient http, string sessionId, string text)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.GetAsync($"/api/v1/sessions/{sessionId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var turns = (await response.Content.ReadFromJsonAsync<JsonObject>())!["turns"]!.AsArray();
                return turns.Count >= 2 && (string)turns[^2]!["text"]! == text ? (string)turns[^1]!["text"]! : null;
            }
            await RetryOrThrowAsync(response, attempt);
        }
    }

    public static async Task<JsonArray> TurnsAsync(HttpClient http, string sessionId)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.GetAsync($"/api/v1/sessions/{sessionId}");
            if (response.StatusCode == HttpStatusCode.OK) return (await response.Content.ReadFromJsonAsync<JsonObject>())!["turns"]!.AsArray();
            await RetryOrThrowAsync(response, attempt);
        }
    }

    public static Task<List<(int Index, string Role, string Text)>> StoredTurnsAsync(LocalCluster cluster, string sessionId) =>
        ClusterServices.StoredTurnsAsync(cluster.Postgres, sessionId);

    private static async Task RetryOrThrowAsync(HttpResponseMessage response, int attempt)
    {
        var body = await response.Content.ReadAsStringAsync();
        var retryable = response.StatusCode == HttpStatusCode.ServiceUnavailable || response.StatusCode == HttpStatusCode.Conflict; // 409: the abandoned turn is still being let go
        if (!retryable || attempt >= 60) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
        if (body.Contains("node_unavailable", StringComparison.Ordinal) || body.Contains("store_unavailable", StringComparison.Ordinal))
            Assert.NotNull(response.Headers.RetryAfter);
        await Task.Delay(500);
    }
}
