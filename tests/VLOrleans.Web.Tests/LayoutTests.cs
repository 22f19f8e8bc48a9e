using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>Phone-width layout, accessible names, and the status panel's facts and live charts.</summary>
[Collection(WebUiCollection.Name)]
public sealed class LayoutTests(WebUiFixture ui)
{
    // Every control a person can reach has a name a screen reader can say: its text, aria-label, or a <label>.
    private const string UnnamedControlsScript = """
        () => [...document.querySelectorAll("button, input, select, textarea")]
          .filter((el) => el.type !== "file")
          .filter((el) => !(el.getAttribute("aria-label") || el.textContent.trim() || el.labels?.length || el.getAttribute("aria-labelledby")))
          .map((el) => el.outerHTML)
        """;

    [Fact]
    public async Task On_a_phone_width_screen_the_chat_fits_and_the_panels_open_from_the_top_bar()
    {
        var page = await ui.OpenAsync(width: 390, height: 844); // a common phone's CSS viewport
        Assert.Empty(await page.EvaluateAsync<string[]>(UnnamedControlsScript));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the page scrolls sideways at 390 px");
        await Expect(page.Locator("#question")).ToBeVisibleAsync();
        await Expect(page.Locator("#send")).ToBeInViewportAsync();
        await Expect(page.Locator("#status")).ToBeHiddenAsync();
        await Expect(page.Locator("#conversations")).ToBeHiddenAsync();

        // Ask once, so the status charts have an answer's time to first token to show.
        await page.Locator("#question").FillAsync("Short answer please.");
        await WebUiFixture.ChooseAsync(page, "length", "short");
        await page.ClickAsync("#send");
        await Expect(page.Locator(".msg.assistant").Last).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await WebUiFixture.ScreenshotAsync(page, "07-phone-chat");

        await page.ClickAsync("#toggle-status");
        await Expect(page.Locator("#status")).ToBeVisibleAsync();
        await Expect(page.Locator("#toggle-status")).ToHaveAttributeAsync("aria-expanded", "true");
        // The facts, against the server's own status report and the test server's set-up (fp32 weights, 1 decoder thread).
        var status = JsonDocument.Parse(await ui.Http.GetStringAsync("/api/v1/status")).RootElement;
        await Expect(page.Locator("#status-device")).ToHaveTextAsync("CPU");
        await Expect(page.Locator("#status-dtype")).ToHaveTextAsync("fp32");
        // The family in words (the status JSON has the enum name, Qwen3Vl).
        Assert.Equal("Qwen3Vl", status.GetProperty("model").GetProperty("family").GetString());
        await Expect(page.Locator("#status-model")).ToContainTextAsync("Qwen3-VL");
        await Expect(page.Locator("#status-threads")).ToContainTextAsync($"1 decoder · 1 vision · {status.GetProperty("device").GetProperty("processor_count").GetInt32()} CPUs");
        await Expect(page.Locator("#status-queue")).ToContainTextAsync($"/{status.GetProperty("slots").GetProperty("total").GetInt32()} generating");
        await Expect(page.Locator("#status-memory")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+(\.\d)? (MB|GB)$"));
        // The charts fill from /api/v1/status/history (a point every 2 s; the page polls every 3 s).
        await Expect(page.Locator("#chart-rate")).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$"), new() { Timeout = 15_000 });
        await Expect(page.Locator("#chart-ttft")).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$"), new() { Timeout = 15_000 });
        await Expect(page.Locator("#chart-ttft rect")).Not.ToHaveCountAsync(0);
        await WebUiFixture.ScreenshotAsync(page, "08-phone-status");

        await page.Keyboard.PressAsync("Escape"); // with nothing to stop, Esc closes the panel
        await Expect(page.Locator("#status")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }
}
