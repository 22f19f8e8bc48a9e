using System.Net;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>Image URLs from an allowed host are fetched (with the image size cap), and answer as the same image inline does.</summary>
[Collection(TinyServerCollection.Name)]
public sealed class ImageUrlTests(TinyServerFixture fixture)
{
    [Fact]
    public async Task An_image_from_an_allowed_host_answers_as_the_same_image_sent_inline()
    {
        var photo = TinyModelServer.Photo("pubtabnet__PMC4003957_018_00.png");
        using var host = new ImageHost(new Dictionary<string, byte[]> { ["/table.png"] = photo });

        var fetched = await ApiRequests.AnswerAsync(fixture.Http, ApiRequests.Chat("What is in the table?", new Uri(host.BaseAddress, "table.png").ToString(), maxTokens: 6));
        var inline = await ApiRequests.AnswerAsync(fixture.Http, ApiRequests.Chat("What is in the table?", ApiRequests.DataUrl(photo, "image/png"), maxTokens: 6));
        Assert.Equal(inline, fetched);
    }

    [Fact]
    public async Task Several_images_in_one_message_each_add_their_own_tokens_to_the_prompt()
    {
        var gauge = ApiRequests.DataUrl(TinyModelServer.Photo("intel__gauge-1.jpg"), "image/jpeg");
        var table = ApiRequests.DataUrl(TinyModelServer.Photo("pubtabnet__PMC4003957_018_00.png"), "image/png");
        async Task<int> PromptTokensAsync(params string[] images)
        {
            var body = ApiRequests.Chat("Compare them.", null, maxTokens: 1);
            var parts = body["messages"]![0]!["content"]!.AsArray();
            for (var i = 0; i < images.Length; i++)
                parts.Insert(i, new System.Text.Json.Nodes.JsonObject { ["type"] = "image_url", ["image_url"] = new System.Text.Json.Nodes.JsonObject { ["url"] = images[i] } });
            using var response = await fixture.Http.SendAsync(ApiRequests.Post(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        }

        var none = await PromptTokensAsync();
        var one = await PromptTokensAsync(gauge);
        var other = await PromptTokensAsync(table);
        var both = await PromptTokensAsync(gauge, table);
        // Each image is <|vision_start|>, its pads, <|vision_end|> — independent of the other (QWEN_VL_FACTS.md).
        Assert.True(one > none + 2 && other > none + 2);
        Assert.Equal(none + (one - none) + (other - none), both);
    }

    [Fact]
    public async Task An_allowed_url_that_is_missing_or_too_large_is_refused_with_image_fetch_failed()
    {
        var tooLarge = new byte[TinyServerFixture.MaxImageBytes + 1];
        using var host = new ImageHost(new Dictionary<string, byte[]> { ["/big.jpg"] = tooLarge });

        foreach (var (path, why) in new[] { ("missing.jpg", "404"), ("big.jpg", $"more than {TinyServerFixture.MaxImageBytes} bytes") })
        {
            using var response = await fixture.Http.SendAsync(ApiRequests.Post(ApiRequests.Chat("What is this?", new Uri(host.BaseAddress, path).ToString())));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await ApiRequests.ErrorOfAsync(response);
            Assert.Equal("image_fetch_failed", error.GetProperty("code").GetString());
            Assert.Contains(why, error.GetProperty("message").GetString());
        }
    }
}
