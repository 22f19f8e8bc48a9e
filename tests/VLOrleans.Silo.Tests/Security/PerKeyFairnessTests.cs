using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VLOrleans.Silo.Tests.Sessions;

namespace VLOrleans.Silo.Tests.Security;

/// <summary>
/// Issue 22: with API keys, one key flooding the server cannot starve another. Key A may run one request and queue
/// none here; its running request is an upload whose body the test holds back, so "A is at its limit" is a state the
/// test controls, not a race. While A is full its further requests are 429 <c>rate_limited</c> with Retry-After (on
/// the session API and the OpenAI API alike), and key B is answered.
/// </summary>
public sealed class PerKeyFairnessTests : IAsyncLifetime
{
    private const string KeyA = "key-a-floods", KeyB = "key-b-waits-its-turn";
    private readonly string _data = TinyModelServer.NewDataFolder();
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TinyModelServer.StartAsync(_data, new Dictionary<string, string>
        {
            ["VLO__ApiKeys__0"] = KeyA,
            ["VLO__ApiKeys__1"] = KeyB,
            ["VLO__Limits__PerKeyConcurrentRequests"] = "1",
            ["VLO__Limits__PerKeyQueuedRequests"] = "0",
            ["VLO__Limits__RetryAfterSeconds"] = "7",
        });
    }

    [Fact]
    public async Task Key_a_at_its_limit_gets_429_while_key_b_is_answered()
    {
        using var a = SessionHttp.HttpFor(_server, KeyA);
        using var b = SessionHttp.HttpFor(_server, KeyB);
        await SessionHttp.WaitUntilModelReadyAsync(b);
        var sessionA = await SessionHttp.CreateAsync(a);
        var sessionB = await SessionHttp.CreateAsync(b);

        // A's one running request: an upload whose body waits for the test.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var photo = TinyModelServer.Photo("intel__gauge-1.jpg");
        var held = a.PostAsync($"/api/v1/sessions/{sessionA}/images", new HeldContent(photo, release.Task));

        // Probe until the held upload has its place (a probe that gets in first is answered and frees it again).
        HttpResponseMessage refused;
        while (true)
        {
            refused = await a.GetAsync($"/api/v1/sessions/{sessionA}");
            if (refused.StatusCode == HttpStatusCode.TooManyRequests) break;
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            refused.Dispose();
            Assert.False(held.IsCompleted, "the held upload ended before the test released it");
            await Task.Delay(50);
        }
        using (refused)
        {
            Assert.Equal("7", refused.Headers.RetryAfter?.ToString());
            Assert.Equal("rate_limited", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        }
        using (var openAi = await a.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 2 }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
            Assert.Equal("7", openAi.Headers.RetryAfter?.ToString());
            Assert.Equal("rate_limited", (await openAi.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        }

        // B is not starved: its question is answered while A is still at its limit.
        var answer = await SessionHttp.AskAsync(b, sessionB, "What do you see?", maxTokens: 3);
        Assert.Equal("assistant", answer["turn"]!["role"]!.GetValue<string>());
        Assert.False(held.IsCompleted);

        // A's held request finishes normally once its body arrives, and A is served again.
        release.SetResult();
        using (var upload = await held) Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        using var again = await a.GetAsync($"/api/v1/sessions/{sessionA}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    /// <summary>A chunked body: its first byte at once, the rest when <paramref name="release"/> completes.</summary>
    private sealed class HeldContent(byte[] bytes, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, 1));
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync(bytes.AsMemory(1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
