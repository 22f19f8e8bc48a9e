using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Sessions;

/// <summary>Plain HTTP calls to the session API (no client library: the tests check the wire format).</summary>
internal static class SessionHttp
{
    public static HttpClient HttpFor(ServerProcess server, string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    /// <summary>Waits until the model has loaded: a throwaway session answers a one-token question (503 until then).</summary>
    public static async Task WaitUntilModelReadyAsync(HttpClient http)
    {
        var id = await CreateAsync(http);
        for (var i = 0; i < 300; i++)
        {
            using var response = await http.PostAsJsonAsync($"/api/v1/sessions/{id}/messages", new { text = "ready?", max_tokens = 1 });
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the model did not load within 60 s");
    }

    public static async Task<string> CreateAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/api/v1/sessions", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        Assert.Equal($"/api/v1/sessions/{id}", response.Headers.Location?.OriginalString);
        return id;
    }

    public static async Task<JsonObject> UploadAsync(HttpClient http, string sessionId, byte[] bytes, string fileName)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        using var response = await http.PostAsync($"/api/v1/sessions/{sessionId}/images", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static async Task<JsonObject> AskAsync(HttpClient http, string sessionId, string text, int maxTokens = 6)
    {
        using var response = await http.PostAsJsonAsync($"/api/v1/sessions/{sessionId}/messages", new { text, max_tokens = maxTokens, temperature = 0 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static async Task<JsonObject> GetAsync(HttpClient http, string sessionId)
    {
        using var response = await http.GetAsync($"/api/v1/sessions/{sessionId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Starts a streaming ask; the response is returned once headers arrive (the body streams on).</summary>
    public static async Task<HttpResponseMessage> StartStreamAsync(HttpClient http, string sessionId, string text, int maxTokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{sessionId}/messages")
        {
            Content = JsonContent.Create(new { text, max_tokens = maxTokens, temperature = 0, stream = true }),
        };
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Reads Server-Sent Events (event name + data) one at a time.</summary>
    public static async IAsyncEnumerable<(string Event, JsonObject Data)> ReadEventsAsync(HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) yield return (name ?? "message", JsonNode.Parse(data.ToString())!.AsObject());
                name = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line[5..].TrimStart());
        }
    }

    /// <summary>Asserts a problem+json response with <paramref name="status"/> and <paramref name="code"/>.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonNode.Parse(body)!["code"]!.GetValue<string>());
    }

    public static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
