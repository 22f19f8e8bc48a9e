using Microsoft.Playwright;
using VLOrleans.Silo.Tests.Api;
using VLOrleans.Silo.Tests.Newcomer;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>
/// What a newcomer sees first: a page with no console errors (favicon included), a banner that says the demo model
/// has random weights (with the command that serves a real one), a status panel in words ("Qwen3-VL", "1 hit"),
/// charts with axes before any traffic, and a title that fits a phone's width.
/// </summary>
[Collection(WebUiCollection.Name)]
public sealed class NewcomerTests(WebUiFixture ui)
{
    [Fact]
    public async Task The_demo_model_is_announced_in_a_banner_and_the_status_panel_and_idle_charts_still_have_axes()
    {
        var data = DemoServer.NewDataFolder();
        try
        {
            await using var server = await DemoServer.StartAsync(data);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            await ServerProbes.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90));
            var context = await ui.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = server.BaseAddress.ToString(),
                Locale = "en-US",
                ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            await WebUiFixture.GoToUiAsync(page);

            var banner = page.Locator("#demo-banner");
            await Expect(banner).ToBeVisibleAsync();
            await Expect(banner).ToContainTextAsync("random weights, so the answers are gibberish");
            await Expect(page.Locator("#demo-command")).ToHaveTextAsync("VLO__Model__Path=models/qwen3-vl-2b make run");
            await Expect(page.Locator("#status-model")).ToHaveTextAsync("Qwen3-VL (random-weight demo) · vlorleans");

            // No answer yet: each chart shows its two axes and says what will appear.
            await Expect(page.Locator("#chart-rate line.axis")).ToHaveCountAsync(2);
            await Expect(page.Locator("#chart-ttft line.axis")).ToHaveCountAsync(2);
            await Expect(page.Locator("#chart-rate-figure")).ToHaveAttributeAsync("data-empty", "no answers yet — the line starts with the first");
            await Expect(page.Locator("#chart-ttft-figure")).ToHaveAttributeAsync("data-empty", "no answers yet — one dot per answer");
            await WebUiFixture.ScreenshotAsync(page, "10-demo-banner");

            // In Chinese too.
            await page.SelectOptionAsync("#language", "zh");
            await Expect(page.Locator("#demo-text")).ToContainTextAsync("权重是随机的");
            await context.CloseAsync();
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_configured_model_gets_no_demo_banner_and_is_named_in_words()
    {
        var page = await ui.OpenAsync();
        await Expect(page.Locator("#status-model")).ToHaveTextAsync("Qwen3-VL · vlorleans");
        await Expect(page.Locator("#demo-banner")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Loading_the_page_logs_no_console_error_and_the_favicon_is_served()
    {
        var context = await ui.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = ui.Server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        page.RequestFailed += (_, request) => errors.Add($"request failed: {request.Url}");
        page.Response += (_, response) => { if (response.Status >= 400) errors.Add($"{response.Status} {response.Url}"); };
        await WebUiFixture.GoToUiAsync(page);
        await Expect(page.Locator("#status-model")).Not.ToHaveTextAsync("—"); // the first status poll has come back

        using var favicon = await ui.Http.GetAsync("/favicon.svg");
        Assert.Equal(System.Net.HttpStatusCode.OK, favicon.StatusCode);
        Assert.Equal("image/svg+xml", favicon.Content.Headers.ContentType?.MediaType);
        Assert.Equal("favicon.svg", await page.Locator("link[rel=icon]").GetAttributeAsync("href"));
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    [Theory]
    [InlineData("en", new[] { "0 hits", "1 hit", "2 hits", "0 misses", "1 miss", "7 misses" })]
    [InlineData("zh", new[] { "命中 0", "命中 1", "命中 2", "未命中 0", "未命中 1", "未命中 7" })]
    public async Task Cache_counts_use_the_languages_plural_forms(string language, string[] expected)
    {
        var page = await ui.OpenAsync();
        var words = await page.EvaluateAsync<string[]>("""
            async (language) => {
              const i18n = await import("/js/i18n.js");
              i18n.setLanguage(language);
              return [0, 1, 2].map((n) => i18n.plural("status.hits", n)).concat([0, 1, 7].map((n) => i18n.plural("status.misses", n)));
            }
            """, language);
        Assert.Equal(expected, words);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_390_px_the_title_is_shown_whole()
    {
        var page = await ui.OpenAsync(width: 390, height: 844);
        var title = page.Locator(".topbar h1");
        await Expect(title).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^VLOrleans"));
        Assert.True(await title.EvaluateAsync<bool>("h => h.scrollWidth <= h.clientWidth"), "the title is cut at 390 px");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the page scrolls sideways at 390 px");
        await page.Context.CloseAsync();
    }
}
