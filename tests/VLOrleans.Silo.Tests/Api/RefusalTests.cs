using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>Bad requests get the right 4xx and a stable code, on /v1 in OpenAI's envelope and elsewhere as problem+json.</summary>
[Collection(TinyServerCollection.Name)]
public sealed class RefusalTests(TinyServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    // Reasons as the engine's decoder tests state them for these files (MalformedCorpusTests).
    [Theory]
    [InlineData("sharp__corrupt-header.jpg", "image/jpeg", "truncated")]
    [InlineData("stb__xs1n0g01.png", "image/png", "corrupt")]
    [InlineData("pillow__decompression_bomb.gif", "image/gif", "too_many_pixels")]
    public async Task A_bad_image_is_refused_with_its_reason_code_on_both_APIs(string file, string mediaType, string code)
    {
        var bytes = MalformedImages.Read(file);
        using var openAi = await Http.SendAsync(ApiRequests.Post(ApiRequests.Chat("What is this?", ApiRequests.DataUrl(bytes, mediaType))));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, openAi.StatusCode);
        var error = await ApiRequests.ErrorOfAsync(openAi);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());

        using var oneShot = await Http.PostAsJsonAsync("/api/v1/chat", new { image = Convert.ToBase64String(bytes), question = "What is this?" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, oneShot.StatusCode);
        Assert.Equal("application/problem+json", oneShot.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(await oneShot.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    // The client asks "Expect: 100-continue", so it sends the body only if the server starts reading it: a 413
    // here proves the size was refused from the declared Content-Length, before a byte of the body was read.
    // (A chunked body over the cap also gets 413, counted as it arrives; but the server then closes the connection
    // with the rest unread, so a client still sending may see a reset instead of the answer: not tested.)
    [Fact]
    public async Task An_oversize_body_is_refused_with_413_before_it_is_read()
    {
        var padding = new string('A', (int)TinyServerFixture.MaxRequestBytes + 1000);
        var body = ApiRequests.Chat("hi", "data:image/png;base64," + padding).ToJsonString();

        using var declared = await Http.SendAsync(ExpectingContinue("/v1/chat/completions", body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("body_too_large", (await ApiRequests.ErrorOfAsync(declared)).GetProperty("code").GetString());

        using var oneShot = await Http.SendAsync(ExpectingContinue("/api/v1/chat", JsonSerializer.Serialize(new { image = padding, question = "hi" })));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oneShot.StatusCode);
        Assert.Equal("application/problem+json", oneShot.Content.Headers.ContentType?.MediaType);
        Assert.Equal("body_too_large", JsonDocument.Parse(await oneShot.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    private static HttpRequestMessage ExpectingContinue(string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        return request;
    }

    [Theory]
    [InlineData("http://example.com/photo.jpg", "image_url_not_allowed")]
    [InlineData("https://127.0.0.1/photo.jpg", "image_url_not_allowed")]
    [InlineData("ftp://example.com/photo.jpg", "invalid_image_url")]
    [InlineData("data:image/png,notbase64", "invalid_image_url")]
    public async Task An_image_url_that_is_not_an_inline_image_is_refused_with_400(string url, string code)
    {
        using var response = await Http.SendAsync(ApiRequests.Post(ApiRequests.Chat("What is this?", url)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ApiRequests.ErrorOfAsync(response);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("messages[0].content[0].image_url", error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"n":2}""", "n")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"messages":[{"role":"function","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"input_audio"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"temperature":3}""", "temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stop":[1]}""", "stop")]
    public async Task A_request_the_server_cannot_honour_is_refused_with_400_naming_the_field(string json, string param)
    {
        using var response = await Http.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ApiRequests.ErrorOfAsync(response);
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused_with_context_length_exceeded()
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = string.Join(' ', Enumerable.Repeat("word", 1100)) }),
            ["max_tokens"] = 10,
        };
        using var response = await Http.SendAsync(ApiRequests.Post(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("context_length_exceeded", (await ApiRequests.ErrorOfAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_one_shot_chat_answers_with_response_timestamp_and_model()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var response = await Http.PostAsJsonAsync("/api/v1/chat", new { image = Convert.ToBase64String(TinyModelServer.Photo("intel__gauge-1.jpg")), question = "What is this?", max_tokens = 5 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(JsonValueKind.String, answer.GetProperty("response").ValueKind);
        Assert.Equal("vlorleans", answer.GetProperty("model").GetString());
        Assert.InRange(answer.GetProperty("timestamp").GetDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));

        using var noQuestion = await Http.PostAsJsonAsync("/api/v1/chat", new { image = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noQuestion.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await noQuestion.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }
}
