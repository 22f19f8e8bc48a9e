using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;
using VLOrleans.Silo.Streaming;

namespace VLOrleans.Silo.Tests.Streaming;

/// <summary>
/// Issue 22: an SSE answer sends its headers at once and <c>: keep-alive</c> comments while its first event is pending
/// (a slow first token), and a store that fails after a streamed answer ends the stream with an <c>error</c> event.
/// The slow source here waits for the test to release it, so "before the first token" is an order, not a timing.
/// </summary>
public sealed class SseResultTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        // A stream whose first event waits for the test; the keep-alive interval is short so the test need not wait long.
        _app.MapGet("/slow", () => new SseResult(SlowAsync(), TimeSpan.FromMilliseconds(100)));
        _app.MapGet("/unsaved", () => new SseResult(SessionSse.FramesAsync(UnsavedAnswerAsync().GetAsyncEnumerator(), Json), TimeSpan.FromSeconds(30)));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
    }

    private async IAsyncEnumerable<SseFrame> SlowAsync()
    {
        await _release.Task;
        yield return new SseFrame("delta", "{\"type\":\"delta\",\"text\":\"first\"}");
        yield return new SseFrame("done", "{\"type\":\"done\"}");
    }

    /// <summary>What a session grain streams when the answer is complete but the store cannot save it.</summary>
    private static async IAsyncEnumerable<AskEvent> UnsavedAnswerAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new AskAccepted();
        yield return new AskDelta("Hello");
        yield return new AskDelta(" there");
        await Task.Yield();
        throw new RequestProblemException(ProblemKind.StoreUnavailable, ProblemCodes.StoreUnavailable, "The session store cannot be used right now (the disk is full)");
    }

    [Fact]
    public async Task Headers_and_a_keep_alive_comment_arrive_before_a_slow_first_event()
    {
        using var response = await _http.GetAsync("/slow", HttpCompletionOption.ResponseHeadersRead);
        // The headers are here although the first event is still held back.
        Assert.False(_release.Task.IsCompleted);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(": keep-alive", await reader.ReadLineAsync());
        Assert.Equal("", await reader.ReadLineAsync());
        _release.SetResult();

        var rest = new List<string>();
        while (await reader.ReadLineAsync() is { } line) rest.Add(line);
        var events = rest.Where(l => !l.StartsWith(':') && l.Length > 0).ToArray();
        Assert.Equal(["event: delta", "data: {\"type\":\"delta\",\"text\":\"first\"}", "event: done", "data: {\"type\":\"done\"}"], events);
    }

    [Fact]
    public async Task A_store_failure_after_the_streamed_answer_ends_with_a_retryable_store_unavailable_error_event()
    {
        var body = await _http.GetStringAsync("/unsaved");
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, events.Length); // two deltas, then the error; no accepted marker, no done
        Assert.StartsWith("event: delta\n", events[0], StringComparison.Ordinal);
        Assert.StartsWith("event: delta\n", events[1], StringComparison.Ordinal);
        Assert.StartsWith("event: error\ndata: ", events[2], StringComparison.Ordinal);
        var error = JsonDocument.Parse(events[2]["event: error\ndata: ".Length..]).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("store_unavailable", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("retryable").GetBoolean());
        Assert.Equal("The session store cannot be used right now (the disk is full)", error.GetProperty("message").GetString());
    }

    [Fact]
    public void Multi_line_data_becomes_one_data_line_per_line()
    {
        Assert.Equal("event: x\ndata: a\ndata: b\n\n", System.Text.Encoding.UTF8.GetString(SseResult.Encode(new SseFrame("x", "a\nb"))));
        Assert.Equal("data: [DONE]\n\n", System.Text.Encoding.UTF8.GetString(SseResult.Encode(new SseFrame(null, "[DONE]"))));
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
