using System.Text.Json;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// OpenAI requests with tools — tool definitions, tool_choice, an assistant's tool_calls with string arguments, tool
/// results (string and parts), the developer role — through the server's own path (the endpoint's translator, the
/// grain's message conversion and tool selection, the coded Qwen3-VL template) against the real Jinja template
/// rendered by @huggingface/jinja 0.5.11. Golden file tests/fixtures/text/openai_tools_golden.json, made by
/// <c>cd tools/reference &amp;&amp; node text/make_openai_tools_golden.mjs /work/shared/reference/chat-templates ../../tests/fixtures/text/openai_tools_golden.json</c>.
/// </summary>
public sealed class OpenAiToolRenderingGoldenTests
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases().EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Renders_byte_identical_to_jinja(string name)
    {
        var golden = Cases().EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var request = golden.GetProperty("request").Deserialize<ChatCompletionRequest>(Wire)!;
        var completion = ChatCompletionTranslator.Translate(request, new LimitSettings()).Request;

        var messages = new List<ChatMessage>();
        foreach (var m in completion.Messages)
            messages.Add(await CompletionMessages.ToChatAsync(m, _ => throw new InvalidOperationException("no images in these cases")));
        var tools = RequestedOutput.PromptTools(QwenVlFamily.Qwen3Vl, completion.Tools, completion.ToolChoice);
        Assert.Equal(golden.GetProperty("expected").GetString(), ChatTemplates.For(QwenVlFamily.Qwen3Vl).Render(messages, addGenerationPrompt: true, tools));
    }

    [Fact]
    public void Tools_for_a_template_without_them_are_refused_by_name()
    {
        var tools = new[] { new VLOrleans.Contracts.CompletionTool("ping", """{"type": "function", "function": {"name": "ping"}}""", null, false) };
        foreach (var family in new[] { QwenVlFamily.Qwen2Vl, QwenVlFamily.Qwen25Vl })
        {
            var e = Assert.Throws<VLOrleans.Contracts.RequestProblemException>(() => RequestedOutput.PromptTools(family, tools, null));
            Assert.Equal("tools_not_supported", e.Code);
            Assert.StartsWith("tools:", e.Message);
        }
        Assert.Null(RequestedOutput.PromptTools(QwenVlFamily.Qwen2Vl, [], null)); // no tools: nothing to refuse
    }

    private static JsonElement Cases()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "fixtures", "text", "openai_tools_golden.json");
            if (File.Exists(path)) return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases").Clone();
        }
        throw new FileNotFoundException("tests/fixtures/text/openai_tools_golden.json not found above the test binaries");
    }
}
