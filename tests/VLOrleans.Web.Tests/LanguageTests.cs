using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>Chinese and English UI text: the default follows the browser's language, the switch relabels the page at
/// once (static and dynamic text) and is remembered across a reload.</summary>
[Collection(WebUiCollection.Name)]
public sealed class LanguageTests(WebUiFixture ui)
{
    [Fact]
    public async Task The_language_follows_the_browser_switches_and_is_remembered()
    {
        var chinese = await ui.OpenAsync(locale: "zh-CN");
        Assert.Equal("zh-CN", await chinese.EvaluateAsync<string>("() => document.documentElement.lang"));
        await Expect(chinese.Locator("#send")).ToHaveTextAsync("发送");
        await Expect(chinese.Locator("#language")).ToHaveValueAsync("zh");
        await Expect(chinese.Locator("#question")).ToHaveAttributeAsync("placeholder", "就图片提问……（Enter 发送，Shift+Enter 换行，Esc 停止）");
        await Expect(chinese.Locator("#status-title")).ToHaveTextAsync("服务器状态");
        await Expect(chinese.Locator("#status-device")).ToHaveTextAsync("CPU");
        await WebUiFixture.ScreenshotAsync(chinese, "06-chinese");
        await chinese.Context.CloseAsync();

        var page = await ui.OpenAsync(locale: "en-US");
        await Expect(page.Locator("#send")).ToHaveTextAsync("Send");
        await Expect(page.Locator("#status-queue")).ToContainTextAsync("waiting");
        await page.SelectOptionAsync("#language", "zh");
        await Expect(page.Locator("#send")).ToHaveTextAsync("发送");
        await Expect(page.Locator("#new-chat")).ToHaveTextAsync("新对话");
        await Expect(page.Locator("#status-queue")).ToContainTextAsync("个等待"); // dynamic text follows too
        Assert.Equal("zh-CN", await page.EvaluateAsync<string>("() => document.documentElement.lang"));

        await WebUiFixture.GoToUiAsync(page, reload: true);
        await Expect(page.Locator("#send")).ToHaveTextAsync("发送"); // the choice beats the browser's en-US
        await page.SelectOptionAsync("#language", "en");
        await Expect(page.Locator("#send")).ToHaveTextAsync("Send");
        await page.Context.CloseAsync();
    }
}
