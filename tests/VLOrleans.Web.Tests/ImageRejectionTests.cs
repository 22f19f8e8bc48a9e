using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>
/// A file the server refuses shows, on its card, why in plain words: the sentence for the server's problem code plus
/// the server's own message. The reference is the server's answer to the same bytes uploaded over HTTP.
/// </summary>
[Collection(WebUiCollection.Name)]
public sealed class ImageRejectionTests(WebUiFixture ui)
{
    // What a person must read for each code the decoder gives (web/js/i18n.js says the same in the UI).
    private static readonly Dictionary<string, string> PlainWords = new()
    {
        ["unsupported_format"] = "This file is not an image the server can read.",
        ["corrupt"] = "The image file is damaged and cannot be read.",
        ["truncated"] = "The image file is incomplete",
        ["too_many_pixels"] = "The image has too many pixels.",
        ["empty"] = "The file is empty.",
    };

    [Fact]
    public async Task A_malformed_file_and_a_text_file_are_refused_with_the_servers_reason()
    {
        var truncated = await File.ReadAllBytesAsync(SharedImages.Malformed("libvips__truncated.gif"));
        var text = Encoding.UTF8.GetBytes("this is a shopping list, not a picture\n");
        var truncatedProblem = await ProblemForAsync(truncated);
        var textProblem = await ProblemForAsync(text);

        var page = await ui.OpenAsync();
        await page.SetInputFilesAsync("#file-input", new[]
        {
            new FilePayload { Name = "truncated.gif", MimeType = "image/gif", Buffer = truncated },
            new FilePayload { Name = "list.txt", MimeType = "text/plain", Buffer = text },
        });
        var cards = page.Locator("#attachments .attachment");
        await Expect(cards).ToHaveCountAsync(2);
        await Expect(cards.Nth(0)).ToHaveAttributeAsync("data-state", "rejected");
        await Expect(cards.Nth(1)).ToHaveAttributeAsync("data-state", "rejected");
        foreach (var (card, (code, detail)) in new[] { (cards.Nth(0), truncatedProblem), (cards.Nth(1), textProblem) })
        {
            var shown = await card.InnerTextAsync();
            Assert.Contains("Not accepted", shown);
            Assert.Contains(PlainWords[code], shown);
            // The sentence for the code says it once; the server's own (English) words would say it again, so they are
            // the reason's tooltip rather than a second line.
            Assert.DoesNotContain("Server says", shown);
            Assert.Equal($"Server says: {detail}", await card.Locator(".image-facts.reason").GetAttributeAsync("title"));
            Assert.Equal(0, await card.Locator("img").CountAsync()); // no broken-image icon
        }
        await WebUiFixture.ScreenshotAsync(page, "05-image-rejected");

        // A refused image is not sent: the question goes without images, and sending empties the tray.
        await WebUiFixture.ChooseAsync(page, "length", "short");
        await page.Locator("#question").FillAsync("Anything?");
        await page.Locator("#question").PressAsync("Enter");
        await Expect(page.Locator(".msg.assistant").Last).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await Expect(page.Locator(".msg.user .images li")).ToHaveCountAsync(0);
        await Expect(cards).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    /// <summary>The code and message the server gives for these bytes (problem+json from the upload route).</summary>
    private async Task<(string Code, string Detail)> ProblemForAsync(byte[] bytes)
    {
        using var created = await ui.Http.PostAsync("/api/v1/sessions", null);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var body = new ByteArrayContent(bytes);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await ui.Http.PostAsync($"/api/v1/sessions/{id}/images", body);
        Assert.False(response.IsSuccessStatusCode, "the server accepted the file");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var code = problem.GetProperty("code").GetString()!;
        Assert.True(PlainWords.ContainsKey(code), $"unexpected code {code}");
        return (code, problem.GetProperty("detail").GetString()!);
    }
}
