using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>Raw HTTP requests to the OpenAI-compatible API (for what the SDK hides: status codes, headers, envelopes).</summary>
public static class ApiRequests
{
    public static string DataUrl(byte[] image, string mediaType) => $"data:{mediaType};base64,{Convert.ToBase64String(image)}";

    /// <summary>A chat request with one user message: an optional image part and a text part.</summary>
    public static JsonObject Chat(string question, string? imageUrl = null, int maxTokens = 12, bool stream = false, bool ignoreEos = false)
    {
        var parts = new JsonArray();
        if (imageUrl is not null) parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = imageUrl } });
        parts.Add(new JsonObject { ["type"] = "text", ["text"] = question });
        return new JsonObject
        {
            ["model"] = "vlorleans",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = parts }),
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["stream"] = stream,
            ["ignore_eos"] = ignoreEos,
        };
    }

    public static HttpRequestMessage Post(JsonObject body) => new(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };

    /// <summary>The answer text of a non-streamed completion.</summary>
    public static async Task<string> AnswerAsync(HttpClient http, JsonObject body)
    {
        using var response = await http.SendAsync(Post(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    /// <summary>The <c>error</c> object of an OpenAI error envelope, checking the envelope's shape.</summary>
    public static async Task<JsonElement> ErrorOfAsync(HttpResponseMessage response)
    {
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
        return error;
    }
}

/// <summary>Files of ../shared/images/malformed (hostile and broken images from image-library test suites).</summary>
public static class MalformedImages
{
    public static byte[] Read(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "images", "malformed", name);
            if (File.Exists(path)) return File.ReadAllBytes(path);
        }
        throw new FileNotFoundException($"../shared/images/malformed/{name} not found: tests read ../shared beside the repository");
    }
}
