using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace VLOrleans.Web.Tests;

/// <summary>The other two ways in — drag-and-drop and paste — and several images with one question.</summary>
[Collection(WebUiCollection.Name)]
public sealed class ImageInputTests(WebUiFixture ui)
{
    // Builds a File from base64 in the page and delivers it the way the browser would: a drop on the chat, or a
    // paste event carrying clipboard files.
    private const string DeliverScript = """
        ([how, name, type, base64]) => {
          const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], name, { type }));
          if (how === "drop") {
            const chat = document.getElementById("chat");
            chat.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true, cancelable: true }));
            const overlayShown = !document.getElementById("drop-overlay").hidden;
            chat.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
            return overlayShown;
          }
          document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
          return true;
        }
        """;

    [Fact]
    public async Task Dropped_and_pasted_images_both_go_with_one_question()
    {
        const string dropped = "skimage__coffee.png";
        const string pasted = "libpng__toucan.png";
        var page = await ui.OpenAsync();

        Assert.True(await page.EvaluateAsync<bool>(DeliverScript, new[] { "drop", dropped, "image/png", Convert.ToBase64String(await File.ReadAllBytesAsync(SharedImages.Real(dropped))) }),
            "dragging files over the chat did not show the drop zone");
        await Expect(page.Locator("#drop-overlay")).ToBeHiddenAsync();
        await page.EvaluateAsync<bool>(DeliverScript, new[] { "paste", pasted, "image/png", Convert.ToBase64String(await File.ReadAllBytesAsync(SharedImages.Real(pasted))) });

        var cards = page.Locator("#attachments .attachment");
        await Expect(cards).ToHaveCountAsync(2);
        var names = new[] { dropped, pasted };
        for (var i = 0; i < 2; i++)
        {
            await Expect(cards.Nth(i)).ToHaveAttributeAsync("data-state", "ready");
            var (_, width, height) = SharedImages.Manifest(names[i]);
            await Expect(cards.Nth(i).Locator(".image-facts")).ToContainTextAsync($"PNG · {width} × {height} px");
        }

        await WebUiFixture.ChooseAsync(page, "length", "short");

        await page.Locator("#question").FillAsync("Compare the two pictures.");
        await page.Locator("#question").PressAsync("Enter");
        await Expect(page.Locator(".msg.assistant").Last).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 60_000 });
        await Expect(page.Locator(".msg.user .images img")).ToHaveCountAsync(2);

        // The server attached both images to the question.
        var sessionId = await page.EvaluateAsync<string>("() => localStorage.getItem('vlo.current')");
        var session = JsonDocument.Parse(await ui.Http.GetStringAsync($"/api/v1/sessions/{sessionId}")).RootElement;
        var question = session.GetProperty("turns")[0];
        Assert.Equal(2, question.GetProperty("image_ids").GetArrayLength());
        Assert.Equal(names.Order(), session.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("file_name").GetString()!).Order()); // uploads run in parallel
        await page.Context.CloseAsync();
    }
}
