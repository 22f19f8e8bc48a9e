using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VLOrleans.Silo.Logging;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>
/// The request log: after start-up every request leaves one line (method, route, status, duration, session id,
/// problem code), refusals at Warning, and neither the prompt text nor image bytes ever appear.
/// </summary>
public sealed class RequestLogTests
{
    private const string Category = "VLOrleans.Silo.Requests";

    [Fact]
    public async Task Answered_and_refused_requests_each_leave_one_line_with_route_status_session_and_code_but_no_prompt()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string> { ["VLO__Limits__MaxRequestBytes"] = "4096" });
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
            await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));

            // An answered question: Information, with the session id from the route; the question itself is not logged.
            using var created = await http.PostAsync("/api/v1/sessions", null);
            var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            const string secret = "zebra-purple-7781 is my password";
            using var answered = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", new { text = secret, max_tokens = 3 });
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            var ok = await ServerLog.WaitForAsync(server, $"POST /api/v1/sessions/{{id}}/messages responded 200 in ");
            Assert.StartsWith($"info: {Category}", ok.Header);
            Assert.EndsWith($"(session {id}, problem -)", ok.Message);

            // A refusal with a problem+json code: Warning, with the code.
            using var missing = await http.PostAsJsonAsync("/api/v1/sessions/no-such-session/messages", new { text = secret });
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            var notFound = await ServerLog.WaitForAsync(server, "responded 404 in ");
            Assert.StartsWith($"warn: {Category}", notFound.Header);
            Assert.StartsWith("POST /api/v1/sessions/{id}/messages responded 404 in ", notFound.Message);
            Assert.EndsWith("(session no-such-session, problem session_not_found)", notFound.Message);

            // A body over VLO:Limits:MaxRequestBytes on the OpenAI route (its own error envelope): 413 with its code.
            var image = ApiRequests.DataUrl(new byte[8192], "image/png");
            using var tooLarge = await http.SendAsync(ApiRequests.Post(ApiRequests.Chat(secret, image)));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            var refused = await ServerLog.WaitForAsync(server, "responded 413 in ");
            Assert.StartsWith($"warn: {Category}", refused.Header);
            Assert.StartsWith("POST /v1/chat/completions responded 413 in ", refused.Message);
            Assert.EndsWith("(session -, problem body_too_large)", refused.Message);

            Assert.DoesNotContain("zebra-purple", server.RecentOutput);
            Assert.DoesNotContain("AAAAAAAAAAAA", server.RecentOutput); // the image's base64
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("/v1/chat/completions", 200, LogLevel.Information)]
    [InlineData("/api/v1/sessions/{id}/images", 201, LogLevel.Information)]
    [InlineData("/v1/chat/completions", 413, LogLevel.Warning)]
    [InlineData("/api/v1/sessions/{id}/images", 422, LogLevel.Warning)]
    [InlineData("/v1/chat/completions", 429, LogLevel.Warning)]
    [InlineData(null, 404, LogLevel.Warning)]
    [InlineData("/v1/chat/completions", 500, LogLevel.Error)]
    [InlineData("/readyz", 503, LogLevel.Error)]
    [InlineData("/v1/chat/completions", 499, LogLevel.Information)]
    [InlineData("/healthz", 200, LogLevel.Debug)]
    [InlineData("/metrics", 200, LogLevel.Debug)]
    [InlineData("/api/v1/status", 200, LogLevel.Debug)]
    [InlineData(null, 200, LogLevel.Debug)] // static files of the UI
    [InlineData(null, 304, LogLevel.Debug)]
    public void Refusals_log_at_Warning_server_errors_at_Error_and_polling_at_Debug(string? route, int status, LogLevel expected) =>
        Assert.Equal(expected, RequestLogMiddleware.LevelOf(route, status));
}
