using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>
/// The state the README shows (docs/images/web-ui.png is a copy of this test's screenshot): a CC0 photo
/// (scikit-image's chelsea.png; the chat test's bus photo is AGPL-licensed, fine for tests but not for docs),
/// its facts, one streamed answer.
/// </summary>
[Collection(WebUiCollection.Name)]
public sealed class ReadmeScreenshotTests(WebUiFixture ui)
{
    [Fact]
    public async Task A_cc0_photo_with_its_facts_and_a_finished_answer()
    {
        const string photo = "skimage__chelsea.png";
        var (format, width, height) = SharedImages.Manifest(photo); // "PNG 8-bit RGB, …", 451, 300
        var page = await ui.OpenAsync();
        await page.SetInputFilesAsync("#file-input", SharedImages.Real(photo));
        var card = page.Locator("#attachments .attachment");
        await Expect(card).ToHaveAttributeAsync("data-state", "ready");
        Assert.StartsWith("PNG", format);
        Assert.Contains($"PNG · {width} × {height} px", await card.Locator(".image-facts").InnerTextAsync());

        await WebUiFixture.ChooseAsync(page, "length", "short");
        await page.Locator("#question").FillAsync("What animal is in this photo?");
        await page.Locator("#question").PressAsync("Enter");
        var answer = page.Locator(".msg.assistant").Last;
        await Expect(answer).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await Expect(page.Locator(".msg.user .images img")).ToHaveCountAsync(1);
        Assert.NotEmpty((await answer.Locator(".body").InnerTextAsync()).Trim());
        await WebUiFixture.ScreenshotAsync(page, "00-readme");
    }
}
