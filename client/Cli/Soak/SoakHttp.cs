using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Cli.Soak;

/// <summary>
/// The soak's HTTP calls to the session API and the OpenAI API, each recording its status in the ledger. JSON is read
/// as documents, not the server's record types: the soak checks the wire format clients depend on.
/// </summary>
public sealed class SoakHttp(HttpClient http, SoakLedger ledger)
{
    public HttpClient Client => http;

    public async Task<string> CreateSessionAsync(CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync("/api/v1/sessions", null, cancellationToken);
        ledger.Status((int)response.StatusCode, "create session");
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Uploads image bytes to a session; the status code (201 for an image, 4xx for a refused one). A hostile
    /// upload (<paramref name="isMalformed"/>) goes on a connection of its own, as a hostile client's would.</summary>
    public async Task<int> UploadAsync(string sessionId, byte[] bytes, string fileName, CancellationToken cancellationToken, bool isMalformed = false)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{sessionId}/images") { Content = content };
        request.Headers.ConnectionClose = isMalformed;
        using var response = await http.SendAsync(request, cancellationToken);
        ledger.Status((int)response.StatusCode, $"upload {fileName}: {await ReadShortAsync(response, cancellationToken)}");
        return (int)response.StatusCode;
    }

    /// <summary>A session turn without streaming: the status and, on 200, the stored answer's text.</summary>
    public async Task<(int Status, string? Answer)> AskAsync(string sessionId, string question, int maxTokens, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"/api/v1/sessions/{sessionId}/messages", Json(AskBody(question, maxTokens, stream: false)), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        ledger.Status((int)response.StatusCode, $"ask: {Short(text)}");
        if (response.StatusCode != HttpStatusCode.OK) return ((int)response.StatusCode, null);
        using var body = JsonDocument.Parse(text);
        return (200, body.RootElement.GetProperty("turn").GetProperty("text").GetString());
    }

    /// <summary>
    /// A session turn over Server-Sent Events. With <paramref name="disconnectAfterFirstDelta"/> the client goes away
    /// after the first delta. Returns the status, the stored turn's text from the <c>done</c> event (null if none came),
    /// the concatenated deltas, and the <c>error</c> event's code if one came.
    /// </summary>
    public async Task<(int Status, string? Done, string Deltas, string? ErrorCode)> AskStreamingAsync(string sessionId, string question, int maxTokens,
        bool disconnectAfterFirstDelta, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{sessionId}/messages") { Content = Json(AskBody(question, maxTokens, stream: true)) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            ledger.Status((int)response.StatusCode, $"ask (stream): {await ReadShortAsync(response, cancellationToken)}");
            return ((int)response.StatusCode, null, "", null);
        }
        ledger.Status((int)response.StatusCode, "ask (stream)");
        var deltas = new StringBuilder();
        string? done = null, error = null, eventName = null;
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal)) eventName = line[6..].Trim();
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            using var data = JsonDocument.Parse(line[5..]);
            switch (eventName)
            {
                case "delta":
                    deltas.Append(data.RootElement.GetProperty("text").GetString());
                    if (disconnectAfterFirstDelta) return (200, null, deltas.ToString(), null);
                    break;
                case "done":
                    done = data.RootElement.GetProperty("turn").GetProperty("text").GetString();
                    break;
                case "error":
                    error = data.RootElement.GetProperty("code").GetString();
                    break;
            }
        }
        return (200, done, deltas.ToString(), error);
    }

    /// <summary>A stateless OpenAI chat completion with one image (a data URL); streamed or not. Returns the status and
    /// whether the answer came to its end (the final <c>[DONE]</c>, or a whole completion object).</summary>
    public async Task<(int Status, bool Finished)> OpenAiAsync(string model, byte[] image, string question, int maxTokens, bool stream,
        bool disconnectAfterFirstChunk, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["stream"] = stream,
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/jpeg;base64," + Convert.ToBase64String(image) } },
                    new JsonObject { ["type"] = "text", ["text"] = question }),
            }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode || !stream)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            ledger.Status((int)response.StatusCode, $"openai: {Short(text)}");
            return ((int)response.StatusCode, response.IsSuccessStatusCode && text.Contains("\"choices\"", StringComparison.Ordinal));
        }
        ledger.Status((int)response.StatusCode, "openai (stream)");
        await using var content = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(content, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            var data = line[5..].Trim();
            if (data == "[DONE]") return (200, true);
            if (data.Contains("\"error\"", StringComparison.Ordinal)) ledger.ServerError($"openai stream error event: {Short(data)}");
            if (disconnectAfterFirstChunk) return (200, false);
        }
        return (200, false);
    }

    /// <summary>Sends a raw (malformed) body to a path on a connection of its own — a hostile client's, closed after
    /// the answer, so a connection the server gives up on (an oversize body it refuses unread) is never reused for
    /// another client's turn. The status, or 0 when the server closed the connection before answering.</summary>
    public async Task<int> PostRawAsync(string path, HttpContent content, string what, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request, cancellationToken);
            ledger.Status((int)response.StatusCode, $"{what}: {await ReadShortAsync(response, cancellationToken)}");
            return (int)response.StatusCode;
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }

    /// <summary>The session as stored: (question, answer) pairs in order.</summary>
    public async Task<List<(string Question, string Answer)>> StoredTurnsAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/api/v1/sessions/{sessionId}", cancellationToken);
        ledger.Status((int)response.StatusCode, "get session");
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var pairs = new List<(string, string)>();
        string? question = null;
        foreach (var turn in body.RootElement.GetProperty("turns").EnumerateArray())
        {
            var role = turn.GetProperty("role").GetString();
            var text = turn.GetProperty("text").GetString() ?? "";
            if (role == "user") question = text;
            else if (role == "assistant" && question is not null) pairs.Add((question, text));
        }
        return pairs;
    }

    public async Task<JsonDocument> StatusAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/api/v1/status", cancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<string> ModelNameAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/v1/models", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
    }

    public static JsonObject AskBody(string question, int maxTokens, bool stream) =>
        new() { ["text"] = question, ["max_tokens"] = maxTokens, ["temperature"] = 0, ["stream"] = stream };

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<string> ReadShortAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        Short(await response.Content.ReadAsStringAsync(cancellationToken));

    private static string Short(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
