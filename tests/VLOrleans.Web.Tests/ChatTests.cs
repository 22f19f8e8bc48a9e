using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>
/// The main path in the browser: a real photo is uploaded and described, a question is typed with the keyboard, the
/// answer streams in pieces, can be copied, is stored on the server, and is found again after a reload; a long
/// answer is stopped. The tiny model writes gibberish, so these tests check how the text arrives, not what it says.
/// </summary>
[Collection(WebUiCollection.Name)]
public sealed class ChatTests(WebUiFixture ui)
{
    // Records every distinct length of the newest answer's text as the DOM changes: one entry per visible update.
    private const string WatchAnswerScript = """
        () => {
          window.__lengths = [];
          const newest = () => [...document.querySelectorAll(".msg.assistant .body")].at(-1);
          new MutationObserver(() => {
            const body = newest();
            if (!body) return;
            const n = body.textContent.length;
            if (window.__lengths.at(-1) !== n) window.__lengths.push(n);
          }).observe(document.getElementById("messages"), { subtree: true, childList: true, characterData: true });
        }
        """;

    [Fact]
    public async Task A_real_photo_shows_its_facts_the_answer_streams_in_pieces_and_survives_a_reload()
    {
        const string photo = "yolov5__bus.jpg";
        var (format, width, height) = SharedImages.Manifest(photo); // "JPEG baseline, …", 810, 1080
        var fileBytes = new FileInfo(SharedImages.Real(photo)).Length;
        var page = await ui.OpenAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);

        // The thumbnail is the local file, shown before the server answers; then the facts the server found.
        await page.SetInputFilesAsync("#file-input", SharedImages.Real(photo));
        var card = page.Locator("#attachments .attachment");
        await Expect(card.Locator("img")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        await Expect(card).ToHaveAttributeAsync("data-state", "ready");
        var facts = await card.Locator(".image-facts").InnerTextAsync();
        Assert.StartsWith("JPEG", format);
        Assert.Contains($"JPEG · {width} × {height} px", facts);
        Assert.Contains($"{Math.Round(fileBytes / 1024.0).ToString(CultureInfo.InvariantCulture)} KB", facts); // 487,438 B
        Assert.Contains("Orientation: upright (EXIF 1)", facts); // the manifest: EXIF orientation=1
        // Camera and time as the file's own EXIF strings say (Model "iPhone XS", DateTimeOriginal "2019:03:01 13:06:33").
        var ascii = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(SharedImages.Real(photo)));
        var taken = System.Text.RegularExpressions.Regex.Match(ascii, @"(\d{4}):(\d\d):(\d\d) (\d\d:\d\d:\d\d)");
        Assert.True(taken.Success && ascii.Contains("iPhone XS", StringComparison.Ordinal), "the reference strings are not in the file");
        Assert.Contains("Camera: Apple iPhone XS", facts);
        Assert.Contains($"Taken: {taken.Groups[1]}-{taken.Groups[2]}-{taken.Groups[3]} {taken.Groups[4]}", facts);
        Assert.True(await card.Locator("img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the thumbnail did not load");
        await WebUiFixture.ScreenshotAsync(page, "01-image-facts");

        // Shift+Enter is a new line, Enter sends.
        var question = page.Locator("#question");
        await question.PressSequentiallyAsync("What vehicle is this?");
        await question.PressAsync("Shift+Enter");
        await question.PressSequentiallyAsync("Answer briefly.");
        Assert.Equal("What vehicle is this?\nAnswer briefly.", await question.InputValueAsync());
        Assert.Equal(0, await page.Locator(".msg").CountAsync());
        await WebUiFixture.ChooseAsync(page, "length", "short");
        await question.FocusAsync();
        await page.EvaluateAsync(WatchAnswerScript);
        await question.PressAsync("Enter");

        var answer = page.Locator(".msg.assistant").Last;
        await Expect(answer).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await Expect(page.Locator(".msg.user .body")).ToHaveTextAsync("What vehicle is this?\nAnswer briefly.");
        await Expect(page.Locator(".msg.user .images img")).ToHaveCountAsync(1);

        // In pieces: several deltas arrived and the visible text grew in several steps before the end.
        var deltas = int.Parse((await answer.GetAttributeAsync("data-deltas"))!, CultureInfo.InvariantCulture);
        var lengths = await page.EvaluateAsync<int[]>("() => window.__lengths");
        Assert.True(deltas >= 3, $"{deltas} deltas");
        Assert.True(lengths.Count(n => n > 0) >= 3, $"the answer's text changed {lengths.Length} times: {string.Join(",", lengths)}");

        // The copy button copies exactly the stored turn (the server's view, read over HTTP).
        var sessionId = await page.EvaluateAsync<string>("() => localStorage.getItem('vlo.current')");
        var session = JsonDocument.Parse(await ui.Http.GetStringAsync($"/api/v1/sessions/{sessionId}")).RootElement;
        var turns = session.GetProperty("turns").EnumerateArray().ToArray();
        Assert.Equal(2, turns.Length);
        var stored = turns[1].GetProperty("text").GetString()!;
        await answer.Locator("button.copy").ClickAsync();
        await Expect(answer.Locator("button.copy")).ToHaveTextAsync("Copied");
        Assert.Equal(stored, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        Assert.Contains($"{turns[1].GetProperty("usage").GetProperty("completion_tokens").GetInt32()} tokens", await answer.Locator(".meta").InnerTextAsync());
        await WebUiFixture.ScreenshotAsync(page, "02-answer-streamed");

        // After a reload the conversation is listed (by its first question) and its turns come back from the server.
        var renderedBefore = await answer.Locator(".body").InnerHTMLAsync();
        await WebUiFixture.GoToUiAsync(page, reload: true);
        var listed = page.Locator("#conversation-list li");
        await Expect(listed).ToHaveCountAsync(1);
        await Expect(listed.Locator("button.open")).ToHaveTextAsync("What vehicle is this? Answer briefly.");
        await Expect(page.Locator(".msg")).ToHaveCountAsync(2);
        Assert.Equal(renderedBefore, await page.Locator(".msg.assistant .body").InnerHTMLAsync());
        // The question's image is a thumbnail again (the stored bytes, GET …/images/{id}), its facts in alt and title.
        var thumbnail = page.Locator(".msg.user .images .chip img");
        await Expect(thumbnail).ToHaveAttributeAsync("alt", $"{photo} · JPEG {width}×{height}");
        await page.WaitForFunctionAsync("() => document.querySelector('.msg.user .images .chip img')?.naturalWidth > 0");
        Assert.Equal(width, await thumbnail.EvaluateAsync<int>("img => img.naturalWidth"));

        // New chat empties the view; picking the conversation from the list brings it back.
        await page.ClickAsync("#new-chat");
        await Expect(page.Locator(".msg")).ToHaveCountAsync(0);
        await listed.Locator("button.open").ClickAsync();
        await Expect(page.Locator(".msg")).ToHaveCountAsync(2);
        await WebUiFixture.ScreenshotAsync(page, "03-after-reload");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Stop_and_Esc_cancel_a_long_answer_and_the_conversation_goes_on()
    {
        var page = await ui.OpenAsync();
        await WebUiFixture.ChooseAsync(page, "length", "deep"); // up to 2,048 tokens: long enough to stop midway
        await WebUiFixture.ChooseAsync(page, "activity", "precise"); // temperature 0: no early end by chance
        await page.Locator("#question").FillAsync("Tell me a very long story.");
        await page.Locator("#question").PressAsync("Enter");

        var answer = page.Locator(".msg.assistant").Last;
        await Expect(answer).ToHaveAttributeAsync("data-deltas", new System.Text.RegularExpressions.Regex("^[0-9]+$"), new() { Timeout = 60_000 });
        await page.ClickAsync("#stop");

        await Expect(answer).ToHaveAttributeAsync("data-state", "stopped");
        await Expect(answer.Locator(".meta")).ToHaveTextAsync("Stopped — this answer was not saved.");
        await Expect(page.Locator("#stop")).ToBeHiddenAsync();
        await Expect(page.Locator("#send")).ToBeEnabledAsync();
        var deltasAtStop = await answer.GetAttributeAsync("data-deltas");
        await WebUiFixture.ScreenshotAsync(page, "04-stopped");

        // The server really stopped: the generating slot is freed, and a cancelled turn is not stored.
        await Silo.Tests.Api.ServerProbes.WaitForStatusAsync(ui.Http, s => s.GetProperty("slots").GetProperty("active").GetInt32() == 0, TimeSpan.FromSeconds(20));
        var sessionId = await page.EvaluateAsync<string>("() => localStorage.getItem('vlo.current')");
        var session = JsonDocument.Parse(await ui.Http.GetStringAsync($"/api/v1/sessions/{sessionId}")).RootElement;
        Assert.Empty(session.GetProperty("turns").EnumerateArray());
        Assert.Equal(deltasAtStop, await answer.GetAttributeAsync("data-deltas")); // nothing more arrived after Stop

        // Esc stops too (the keyboard way), in the same conversation.
        await page.Locator("#question").FillAsync("And another long one.");
        await page.Locator("#question").PressAsync("Enter");
        var second = page.Locator(".msg.assistant").Last;
        await Expect(second).ToHaveAttributeAsync("data-deltas", new System.Text.RegularExpressions.Regex("^[0-9]+$"), new() { Timeout = 60_000 });
        await page.Keyboard.PressAsync("Escape");
        await Expect(second).ToHaveAttributeAsync("data-state", "stopped");
        await Silo.Tests.Api.ServerProbes.WaitForStatusAsync(ui.Http, s => s.GetProperty("slots").GetProperty("active").GetInt32() == 0, TimeSpan.FromSeconds(20));

        // The same conversation answers the next question (Short).
        await WebUiFixture.ChooseAsync(page, "length", "short");
        await page.Locator("#question").FillAsync("Just one line then.");
        await page.ClickAsync("#send");
        await Expect(page.Locator(".msg.assistant").Last).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        session = JsonDocument.Parse(await ui.Http.GetStringAsync($"/api/v1/sessions/{sessionId}")).RootElement;
        var turns = session.GetProperty("turns").EnumerateArray().ToArray();
        Assert.Equal(2, turns.Length);
        Assert.True(turns[1].GetProperty("usage").GetProperty("completion_tokens").GetInt32() <= 128); // Short = 128 tokens at most
        await page.Context.CloseAsync();
    }
}
