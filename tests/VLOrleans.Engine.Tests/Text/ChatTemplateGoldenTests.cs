using System.Text.Json;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Text;

/// <summary>
/// Our coded templates against the real Jinja templates rendered by @huggingface/jinja 0.5.11. Golden file
/// tests/fixtures/text/chat_template_golden.json from tools/reference/text/make_chat_template_golden.mjs
/// (37 renderings per family: images, video, tools, tool calls with JSON arguments, merged tool responses,
/// system as list, empty content, generation prompt on/off, vision ids; null content is an error there too).
/// </summary>
public sealed class ChatTemplateGoldenTests
{
    public sealed record GoldenCase(string Name, string Family, ChatMessage[] Messages, JsonElement[]? Tools,
        bool AddGenerationPrompt, bool AddVisionId, string? Expected)
    {
        public override string ToString() => $"{Family}/{Name}";
    }

    private static readonly Lazy<GoldenCase[]> Cases = new(Load);

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Value) data.Add(c.ToString());
        return data;
    }

    [Fact]
    public void At_least_20_conversations_per_family()
    {
        Assert.True(Cases.Value.Count(c => c.Family == "qwen2vl" && c.Expected is not null) >= 20);
        Assert.True(Cases.Value.Count(c => c.Family == "qwen3vl" && c.Expected is not null) >= 20);
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Renders_byte_identical_to_jinja(string id)
    {
        var c = Cases.Value.Single(x => x.ToString() == id);
        var template = ChatTemplates.For(c.Family == "qwen2vl" ? QwenVlFamily.Qwen2Vl : QwenVlFamily.Qwen3Vl);
        if (c.Expected is null)
        {
            // The reference template threw (null content): so must we, with a typed error.
            var e = Assert.Throws<TextException>(() => template.Render(c.Messages, c.AddGenerationPrompt, c.Tools, c.AddVisionId));
            Assert.Equal(TextErrorCode.InvalidChatMessage, e.Code);
            return;
        }
        Assert.Equal(c.Expected, template.Render(c.Messages, c.AddGenerationPrompt, c.Tools, c.AddVisionId));
    }

    [Fact]
    public void Qwen25Vl_uses_the_Qwen2Vl_template()
    {
        Assert.Same(ChatTemplates.For(QwenVlFamily.Qwen2Vl), ChatTemplates.For(QwenVlFamily.Qwen25Vl));
    }

    [Theory]
    [InlineData(2.0, "2")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.5e-7, "1.5e-7")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(123456789012.0, "123456789012")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.1, "0.1")]
    [InlineData(100.0, "100")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    public void Numbers_print_like_javascript(double value, string expected)
    {
        // Expected strings are what JavaScript's String(value) gives (ECMAScript Number::toString).
        Assert.Equal(expected, JinjaJson.FormatNumber(value));
    }

    private static GoldenCase[] Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "text", "chat_template_golden.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new GoldenCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("family").GetString()!,
            c.GetProperty("messages").EnumerateArray().Select(ParseMessage).ToArray(),
            c.TryGetProperty("tools", out var tools) ? tools.EnumerateArray().Select(t => t.Clone()).ToArray() : null,
            c.GetProperty("add_generation_prompt").GetBoolean(),
            c.GetProperty("add_vision_id").GetBoolean(),
            c.TryGetProperty("expected", out var e) ? e.GetString() : null)).ToArray();
    }

    /// <summary>Hugging Face message JSON → ChatMessage (the mapping the server does for API requests).</summary>
    private static ChatMessage ParseMessage(JsonElement m)
    {
        var role = m.GetProperty("role").GetString()!;
        var content = m.GetProperty("content");
        string? text = content.ValueKind == JsonValueKind.String ? content.GetString() : null;
        List<ChatContent>? parts = null;
        if (content.ValueKind == JsonValueKind.Array)
        {
            parts = [];
            foreach (var item in content.EnumerateArray())
            {
                var type = item.GetProperty("type").GetString();
                parts.Add(type switch
                {
                    "image" => new ImageContent(),
                    "video" => new VideoContent(),
                    "text" => new TextContent(item.GetProperty("text").GetString()!),
                    _ => throw new InvalidDataException($"unknown content type {type}"),
                });
            }
        }
        List<ToolCall>? calls = null;
        if (m.TryGetProperty("tool_calls", out var tc))
        {
            calls = [];
            foreach (var call in tc.EnumerateArray())
            {
                var f = call.TryGetProperty("function", out var fn) ? fn : call;
                calls.Add(new ToolCall(f.GetProperty("name").GetString()!, f.GetProperty("arguments").Clone()));
            }
        }
        return new ChatMessage(role, text, parts, calls);
    }
}
