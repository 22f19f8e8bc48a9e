using System.Net;
using System.Text;
using VLOrleans.Client;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>
/// When the client repeats a request, against a scripted HTTP handler (the failure modes a real server produces only
/// under load): idempotent calls and refused starts are retried, honouring Retry-After (RFC 9110 §10.2.3); a question
/// whose fate is unknown, or a stream that already delivered bytes, never is.
/// </summary>
public sealed class ClientRetryTests
{
    private static readonly VLOrleansClientOptions Fast = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxRetries = 3 };

    [Fact]
    public async Task Creating_a_session_is_retried_after_503_and_a_connection_failure()
    {
        var handler = new ScriptedHandler(
            _ => Problem(HttpStatusCode.ServiceUnavailable, "model_not_ready", retryAfterSeconds: 0),
            _ => throw new HttpRequestException("connection refused"),
            _ => Json(HttpStatusCode.Created, """{"id":"0123456789abcdef0123456789abcdef"}"""));
        using var client = new VLOrleansClient(handler.Client(), Fast);
        var session = await client.CreateSessionAsync();
        Assert.Equal("0123456789abcdef0123456789abcdef", session.Id);
        Assert.Equal(3, handler.Calls.Count);
        Assert.All(handler.Calls, c => Assert.Equal("POST /api/v1/sessions", c));
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_client_waits_becomes_a_typed_error_at_once()
    {
        var handler = new ScriptedHandler(_ => Problem(HttpStatusCode.TooManyRequests, "queue_full", retryAfterSeconds: 3600));
        using var client = new VLOrleansClient(handler.Client(), Fast);
        var busy = await Assert.ThrowsAsync<ServerBusyException>(() => client.CreateSessionAsync());
        Assert.Equal(("queue_full", TimeSpan.FromHours(1)), (busy.Code, busy.RetryAfter));
        Assert.Single(handler.Calls);
    }

    [Fact]
    public async Task A_question_refused_with_429_is_retried_but_one_lost_in_a_connection_failure_is_not()
    {
        var handler = new ScriptedHandler(
            _ => Json(HttpStatusCode.Created, """{"id":"s1"}"""),
            _ => Problem(HttpStatusCode.TooManyRequests, "queue_full", retryAfterSeconds: 0),
            _ => Json(HttpStatusCode.OK, """{"session_id":"s1","turn":{"index":1,"role":"assistant","text":"Hello","image_ids":[],"created_at":"2026-01-01T00:00:00Z"}}"""),
            _ => throw new HttpRequestException("connection reset"));
        using var client = new VLOrleansClient(handler.Client(), Fast);
        var session = await client.CreateSessionAsync();
        var turn = await session.AskAsync("hi");
        Assert.Equal("Hello", turn.Text);
        await Assert.ThrowsAsync<HttpRequestException>(() => session.AskAsync("again"));
        Assert.Equal(["POST /api/v1/sessions", "POST /api/v1/sessions/s1/messages", "POST /api/v1/sessions/s1/messages", "POST /api/v1/sessions/s1/messages"], handler.Calls);
    }

    [Fact]
    public async Task A_stream_that_breaks_after_a_delta_is_not_repeated_and_a_streamed_error_is_typed()
    {
        var handler = new ScriptedHandler(
            _ => Json(HttpStatusCode.Created, """{"id":"s1"}"""),
            _ => Sse("event: delta\ndata: {\"type\":\"delta\",\"text\":\"Hel\"}\n\n"),
            _ => Sse("event: delta\ndata: {\"type\":\"delta\",\"text\":\"A\"}\n\nevent: error\ndata: {\"type\":\"error\",\"code\":\"context_length_exceeded\",\"message\":\"too long\"}\n\n"));
        using var client = new VLOrleansClient(handler.Client(), Fast);
        var session = await client.CreateSessionAsync();

        var deltas = new List<string>();
        var broken = await Assert.ThrowsAsync<VLOrleansException>(async () =>
        {
            await foreach (var d in session.StreamAsync("hi")) deltas.Add(d);
        });
        Assert.Equal("stream_ended", broken.Code);
        Assert.Equal(["Hel"], deltas);
        Assert.Equal(2, handler.Calls.Count);

        deltas.Clear();
        var failed = await Assert.ThrowsAsync<InvalidRequestException>(async () =>
        {
            await foreach (var d in session.StreamAsync("hi")) deltas.Add(d);
        });
        Assert.Equal(("context_length_exceeded", "too long"), (failed.Code, failed.Message));
        Assert.Equal(["A"], deltas);
        Assert.Equal(3, handler.Calls.Count);
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Sse(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "text/event-stream") };

    private static HttpResponseMessage Problem(HttpStatusCode status, string code, int retryAfterSeconds)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent($$"""{"status":{{(int)status}},"title":"busy","detail":"try later","code":"{{code}}"}""", Encoding.UTF8, "application/problem+json"),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(retryAfterSeconds));
        return response;
    }

    /// <summary>Answers the n-th request with the n-th step and records "METHOD path" per call.</summary>
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] steps) : HttpMessageHandler
    {
        public List<string> Calls { get; } = [];

        public HttpClient Client() => new(this) { BaseAddress = new Uri("http://vl.test") };

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            return Task.FromResult(steps[Calls.Count - 1](request));
        }
    }
}
