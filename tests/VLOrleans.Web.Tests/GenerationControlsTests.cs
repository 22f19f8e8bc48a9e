using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>The advanced fold-out reaches the sampler: with Creative (temperature 0.9) the same seed gives the same
/// answer in two fresh conversations, and another seed a different one; the presets are remembered.</summary>
[Collection(WebUiCollection.Name)]
public sealed class GenerationControlsTests(WebUiFixture ui)
{
    [Fact]
    public async Task The_seed_makes_a_creative_answer_repeatable_and_the_choice_is_remembered()
    {
        var page = await ui.OpenAsync();
        await WebUiFixture.ChooseAsync(page, "activity", "creative");
        await WebUiFixture.ChooseAsync(page, "length", "short");
        await page.ClickAsync("#controls .advanced > summary");
        await Expect(page.Locator("#seed")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("same seed"));

        async Task<string> AnswerAsync(string seed)
        {
            await page.ClickAsync("#new-chat");
            await page.Locator("#seed").FillAsync(seed);
            await page.Locator("#question").FillAsync("Describe a sunset.");
            await page.Locator("#question").PressAsync("Enter");
            var answer = page.Locator(".msg.assistant").Last;
            await Expect(answer).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
            return await answer.Locator(".body").InnerHTMLAsync();
        }

        var first = await AnswerAsync("42");
        var again = await AnswerAsync("42");
        var other = await AnswerAsync("7");
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);

        await WebUiFixture.GoToUiAsync(page, reload: true);
        await Expect(page.Locator("input[name=activity][value=creative]")).ToBeCheckedAsync();
        await Expect(page.Locator("input[name=length][value=short]")).ToBeCheckedAsync();
        await Expect(page.Locator("#seed")).ToHaveValueAsync("7");
        await Expect(page.Locator("#conversation-list li")).ToHaveCountAsync(3);
        await page.Context.CloseAsync();
    }
}
