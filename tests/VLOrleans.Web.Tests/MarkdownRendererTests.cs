using System.Text.Json;

namespace VLOrleans.Web.Tests;

/// <summary>
/// web/js/markdown.js in the real browser: model output is put into the page through it, so a tag the model writes
/// must stay text (the DOM gets no element and no handler runs), while the whitelisted constructs become markup.
/// </summary>
[Collection(WebUiCollection.Name)]
public sealed class MarkdownRendererTests(WebUiFixture ui)
{
    [Fact]
    public async Task Model_output_renders_as_text_and_only_whitelisted_markdown_becomes_markup()
    {
        var page = await ui.OpenAsync();
        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const { renderMarkdown } = await import("/js/markdown.js");
              window.__pwned = 0;
              const render = (text) => {
                const box = document.createElement("div");
                box.innerHTML = renderMarkdown(text);
                document.body.append(box);
                return box;
              };
              const attack = render('<img src=x onerror="window.__pwned++"> <script>window.__pwned++</script> <a href="javascript:window.__pwned++">x</a>');
              const badLink = render('[click](javascript:alert(1)) [data](data:text/html,hi) [ok](https://example.com/a_b_?q=1&r="2)');
              const rich = render('Hello **bold** and *it* and `<b>code</b>`\n\n- one\n- two\n\n1. first\n\n```\n<div>x</div>\n```');
              const unclosed = render('```\nhalf <i>written');
              await new Promise((r) => setTimeout(r, 100)); // a broken <img> would fire onerror by now
              const tags = (box) => [...box.querySelectorAll("*")].map((e) => e.tagName.toLowerCase());
              return {
                pwned: window.__pwned,
                attackTags: tags(attack), attackText: attack.textContent,
                badLinkTags: tags(badLink), links: [...badLink.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent, a.rel]),
                richTags: tags(rich), code: rich.querySelector("pre code")?.textContent, inline: rich.querySelector("p code")?.textContent,
                unclosedTags: tags(unclosed), unclosedText: unclosed.textContent,
              };
            }
            """);

        Assert.Equal(0, json.GetProperty("pwned").GetInt32());
        Assert.Equal(["p"], Strings(json, "attackTags")); // one paragraph, the tags inside it are text
        Assert.Contains("<img src=x onerror=\"window.__pwned++\">", json.GetProperty("attackText").GetString());
        Assert.Contains("<script>", json.GetProperty("attackText").GetString());

        // Only the http(s) link is a link, with its target kept exactly (the & and " were escaped, not lost).
        var links = json.GetProperty("links").EnumerateArray().Select(l => l.EnumerateArray().Select(v => v.GetString()).ToArray()).ToArray();
        var link = Assert.Single(links);
        Assert.Equal("https://example.com/a_b_?q=1&r=\"2", link[0]);
        Assert.Equal("ok", link[1]);
        Assert.Equal("noopener noreferrer nofollow", link[2]);

        Assert.Equal(["p", "strong", "em", "code", "ul", "li", "li", "ol", "li", "pre", "code"], Strings(json, "richTags"));
        Assert.Equal("<div>x</div>", json.GetProperty("code").GetString());
        Assert.Equal("<b>code</b>", json.GetProperty("inline").GetString());
        Assert.Equal(["pre", "code"], Strings(json, "unclosedTags")); // a fence still streaming renders as code
        Assert.Equal("half <i>written", json.GetProperty("unclosedText").GetString());
        await page.Context.CloseAsync();
    }

    private static string[] Strings(JsonElement json, string name) => json.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
}
