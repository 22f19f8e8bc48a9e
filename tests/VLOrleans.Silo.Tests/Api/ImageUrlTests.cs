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
