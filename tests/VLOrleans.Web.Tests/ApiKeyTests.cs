using Microsoft.Playwright;
using VLOrleans.Silo.Tests;
using VLOrleans.Silo.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>A server started with API keys: the page asks for a key, then works with it (REST calls and the hub,
/// which then runs over long polling so the key travels in the Authorization header).</summary>
[Collection(WebUiCollection.Name)]
public sealed class ApiKeyTests(WebUiFixture ui)
{
    [Fact]
    public async Task The_page_asks_for_the_key_a_server_requires_and_then_answers()
    {
        const string key = "web-test-key";
        var data = TinyModelServer.NewDataFolder();
        try
        {
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string> { ["VLO__ApiKeys__0"] = key });
            using (var http = new HttpClient { BaseAddress = server.BaseAddress }) await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));
            var context = await ui.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString(), Locale = "en-US" });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            await WebUiFixture.GoToUiAsync(page);

            await Expect(page.Locator("#api-key-form")).ToBeVisibleAsync(); // the status poll met a 401
            await page.GetByLabel("This server needs an API key:").FillAsync(key);
            await page.Locator("#api-key").PressAsync("Enter");
            await page.WaitForSelectorAsync("body[data-ready=true]");
            await WebUiFixture.ChooseAsync(page, "length", "short");
            await page.Locator("#question").FillAsync("Hello?");
            await page.Locator("#question").PressAsync("Enter");
            await Expect(page.Locator(".msg.assistant").Last).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
            await Expect(page.Locator("#api-key-form")).ToBeHiddenAsync();
            await Expect(page.Locator("#status-dtype")).ToHaveTextAsync("fp32"); // the status endpoint answers with the key
            await context.CloseAsync();
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }
}
