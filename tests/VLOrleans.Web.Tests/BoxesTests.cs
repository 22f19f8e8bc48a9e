using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>
/// Boxes an answer names, drawn over its image. The tiny random model never writes grounding JSON, so the session is
/// seeded in the server's store (public state): a real photo uploaded through the API, then a question and an answer
/// with Qwen3-VL grounding output and the boxes the server stores for it, worked out by hand (0…1000 of each side).
/// The test reads where the browser drew each box, relative to the displayed image.
/// </summary>
[Collection(WebUiCollection.Name)]
public sealed class BoxesTests(WebUiFixture ui)
{
    private const string Answer = """
        ```json
        [{"bbox_2d": [100, 200, 500, 600], "label": "bus"}, {"bbox_2d": [550, 100, 900, 450], "label": "window"}, {"point_2d": [750, 800], "label": "wheel"}]
        ```
        """;

    [Fact]
    public async Task Boxes_are_drawn_where_their_numbers_say_toggle_off_and_open_larger()
    {
        const string photo = "yolov5__bus.jpg"; // 810 × 1080, upright
        var (sessionId, image) = await SeedAsync(photo);
        var (w, h) = (image.Width, image.Height);
        double[][] expected = [[0.1 * w, 0.2 * h, 0.5 * w, 0.6 * h], [0.55 * w, 0.1 * h, 0.9 * w, 0.45 * h], [0.75 * w, 0.8 * h, 0.75 * w, 0.8 * h]];

        var page = await ui.OpenAsync();
        await page.EvaluateAsync("id => { localStorage.setItem('vlo.conversations', JSON.stringify([{ id, title: 'Where?', updatedAt: 1 }])); localStorage.setItem('vlo.current', id); }", sessionId);
        await WebUiFixture.GoToUiAsync(page, reload: true);

        var figure = page.Locator(".msg.assistant .boxed-image");
        var img = figure.Locator(".box-frame img");
        await page.WaitForFunctionAsync("() => document.querySelector('.boxed-image .box-frame img')?.complete && document.querySelector('.boxed-image .box-frame img').naturalWidth > 0");
        Assert.Equal(w, await img.EvaluateAsync<int>("i => i.naturalWidth"));
        var shown = (await img.BoundingBoxAsync())!;
        var scale = shown.Width / w; // the image is shown smaller than its pixels; its aspect ratio is kept
        Assert.Equal(shown.Height / h, scale, 3);
        var boxes = figure.Locator(".box");
        await Expect(boxes).ToHaveCountAsync(3);
        Assert.Equal(["bus", "window", "wheel"], await boxes.Locator(".box-label").AllInnerTextsAsync());
        for (var i = 0; i < 3; i++)
        {
            var drawn = (await boxes.Nth(i).BoundingBoxAsync())!;
            // Within a pixel of the numbers (layout rounds to device pixels; a point is an element of no size).
            Assert.InRange(drawn.X - shown.X, expected[i][0] * scale - 1, expected[i][0] * scale + 1);
            Assert.InRange(drawn.Y - shown.Y, expected[i][1] * scale - 1, expected[i][1] * scale + 1);
            Assert.InRange(drawn.X + drawn.Width - shown.X, expected[i][2] * scale - 1, expected[i][2] * scale + 1);
            Assert.InRange(drawn.Y + drawn.Height - shown.Y, expected[i][3] * scale - 1, expected[i][3] * scale + 1);
        }
        var colours = await boxes.EvaluateAllAsync<string[]>("els => els.map(e => getComputedStyle(e).getPropertyValue('--box-colour'))");
        Assert.Equal(3, colours.Distinct().Count());
        // The question's image is a thumbnail from the server too (not a text chip).
        await page.WaitForFunctionAsync("() => document.querySelector('.msg.user .chip img')?.naturalWidth > 0");
        await WebUiFixture.ScreenshotAsync(page, "10-answer-boxes");

        // The toggle hides and shows them.
        await figure.Locator("input.toggle-boxes").UncheckAsync();
        await Expect(boxes.First).ToBeHiddenAsync();
        await figure.Locator("input.toggle-boxes").CheckAsync();
        await Expect(boxes.First).ToBeVisibleAsync();

        // A click opens a larger view with the same boxes, on the same spots relative to its image.
        await figure.Locator(".box-frame").ClickAsync();
        var viewer = page.Locator("dialog.box-viewer[open]");
        await Expect(viewer).ToBeVisibleAsync();
        var large = (await viewer.Locator("img").BoundingBoxAsync())!;
        Assert.True(large.Width > shown.Width, $"the larger view is {large.Width} px wide, the inline one {shown.Width}");
        var bigScale = large.Width / w;
        var first = (await viewer.Locator(".box").First.BoundingBoxAsync())!;
        Assert.InRange(first.X - large.X, expected[0][0] * bigScale - 1, expected[0][0] * bigScale + 1);
        Assert.InRange(first.Y + first.Height - large.Y, expected[0][3] * bigScale - 1, expected[0][3] * bigScale + 1);
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("dialog.box-viewer")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    /// <summary>A session in the server's store: the photo (uploaded through the API, so its facts are the server's), a
    /// question about it and an answer whose boxes are stored as the server stores them.</summary>
    private async Task<(string SessionId, ImageView Image)> SeedAsync(string photo)
    {
        var bytes = await File.ReadAllBytesAsync(SharedImages.Real(photo));
        var upload = await ui.Http.PostAsync("/api/v1/sessions", null);
        var scratch = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var content = new ByteArrayContent(bytes);
        using var uploaded = await ui.Http.PostAsync($"/api/v1/sessions/{scratch}/images", content);
        var image = (await uploaded.Content.ReadFromJsonAsync<ImageView>())!;

        var id = SessionIds.New();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var (w, h) = (image.Width, image.Height);
        await using var store = SqliteSessionStore.Open(Path.Combine(ui.DataFolder, "sessions.db"));
        await ((ISessionStore)store).CreateSessionAsync(new StoredSession(id, "", at)); // "": the owner when no API keys are set
        await ((ISessionStore)store).AddImageAsync(id, new StoredImage(image.Id, bytes, image), photo, 0);
        BoxView[] boxes =
        [
            new(image.Id, "box", "bus", 0.1 * w, 0.2 * h, 0.5 * w, 0.6 * h, false),
            new(image.Id, "box", "window", 0.55 * w, 0.1 * h, 0.9 * w, 0.45 * h, false),
            new(image.Id, "point", "wheel", 0.75 * w, 0.8 * h, 0.75 * w, 0.8 * h, false),
        ];
        await ((ISessionStore)store).AppendTurnsAsync(id,
        [
            new TurnView(0, "user", "Where are the bus, a window and a wheel? Output bbox_2d JSON.", [image.Id], at),
            new TurnView(1, "assistant", Answer, [], at, "stop", new UsageView(300, 0, 60), new TimingsView(1, 50, 900, 70, 0, 1), boxes),
        ]);
        return (id, image);
    }
}
