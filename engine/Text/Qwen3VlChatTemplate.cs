using System.Text;
using System.Text.Json;

namespace VLOrleans.Engine.Text;

/// <summary>
/// The Qwen3-VL Instruct chat template (shared/reference/chat-templates/qwen3-vl-instruct.chat_template.jinja) as code.
/// Differences from Qwen2-VL: no default system prompt; only the first message may be a system message (later
/// ones are dropped, as are unknown roles); a tools block in the system turn; assistant tool calls as
/// <c>&lt;tool_call&gt;\n{"name": …, "arguments": …}\n&lt;/tool_call&gt;</c>; consecutive <c>tool</c> messages merged
/// into one user turn of <c>&lt;tool_response&gt;</c> blocks (images allowed there); assistant list content keeps
/// only its text. <c>&lt;think&gt;</c> text is not treated specially (the template passes it through).
/// </summary>
public sealed class Qwen3VlChatTemplate : IChatTemplate
{
    public static Qwen3VlChatTemplate Instance { get; } = new();

    private const string ToolsHeader =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private const string ToolsFooter =
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within " +
        "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyList<JsonElement>? tools = null, bool addVisionId = false)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder(256);
        var firstIsSystem = messages.Count > 0 && messages[0].Role == ChatRole.System;

        // system turn (with the tools block when tools are given; Jinja truthiness: an empty list is no tools)
        if (tools is { Count: > 0 })
        {
            sb.Append("<|im_start|>system\n");
            if (firstIsSystem)
            {
                AppendSystemText(sb, messages[0]);
                sb.Append("\n\n");
            }
            sb.Append(ToolsHeader);
            foreach (var tool in tools)
            {
                sb.Append('\n');
                JinjaJson.Append(sb, tool);
            }
            sb.Append(ToolsFooter);
        }
        else if (firstIsSystem)
        {
            sb.Append("<|im_start|>system\n");
            AppendSystemText(sb, messages[0]);
            sb.Append("<|im_end|>\n");
        }

        var imageCount = 0;
        var videoCount = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            switch (m.Role)
            {
                case ChatRole.User:
                    sb.Append("<|im_start|>user\n");
                    AppendFullContent(sb, m, i, addVisionId, ref imageCount, ref videoCount);
                    sb.Append("<|im_end|>\n");
                    break;

                case ChatRole.Assistant:
                    sb.Append("<|im_start|>assistant\n");
                    if (m.Text is not null) sb.Append(m.Text);
                    else if (m.Parts is not null) ChatTemplateParts.AppendTextParts(sb, m.Parts);
                    else throw ChatTemplateParts.NullContent(i, m.Role);
                    if (m.ToolCalls is { Count: > 0 }) AppendToolCalls(sb, m);
                    sb.Append("<|im_end|>\n");
                    break;

                case ChatRole.Tool:
                    if (i == 0 || messages[i - 1].Role != ChatRole.Tool) sb.Append("<|im_start|>user");
                    sb.Append("\n<tool_response>\n");
                    AppendFullContent(sb, m, i, addVisionId, ref imageCount, ref videoCount);
                    sb.Append("\n</tool_response>");
                    if (i == messages.Count - 1 || messages[i + 1].Role != ChatRole.Tool) sb.Append("<|im_end|>\n");
                    break;

                    // system (handled above when first, dropped otherwise) and unknown roles render nothing
            }
        }
        if (addGenerationPrompt) sb.Append("<|im_start|>assistant\n");
        return sb.ToString();
    }

    private static void AppendSystemText(StringBuilder sb, ChatMessage system)
    {
        if (system.Text is not null) sb.Append(system.Text);
        else if (system.Parts is not null) ChatTemplateParts.AppendTextParts(sb, system.Parts);
        else throw ChatTemplateParts.NullContent(0, system.Role);
    }

    private static void AppendFullContent(StringBuilder sb, ChatMessage m, int index, bool addVisionId, ref int imageCount, ref int videoCount)
    {
        if (m.Text is not null) sb.Append(m.Text);
        else if (m.Parts is not null) ChatTemplateParts.AppendParts(sb, m.Parts, addVisionId, ref imageCount, ref videoCount);
        else throw ChatTemplateParts.NullContent(index, m.Role);
    }

    private static void AppendToolCalls(StringBuilder sb, ChatMessage m)
    {
        for (var j = 0; j < m.ToolCalls!.Count; j++)
        {
            var call = m.ToolCalls[j];
            if (j > 0 || m.HasContent) sb.Append('\n');
            sb.Append("<tool_call>\n{\"name\": \"").Append(call.Name).Append("\", \"arguments\": ");
            if (call.Arguments.ValueKind == JsonValueKind.String) sb.Append(call.Arguments.GetString());
            else JinjaJson.Append(sb, call.Arguments);
            sb.Append("}\n</tool_call>");
        }
    }
}
