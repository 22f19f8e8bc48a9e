using System.Text;
using System.Text.Json;

namespace VLOrleans.Engine.Text;

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL Instruct chat template (shared/reference/chat-templates/qwen2-vl_qwen2.5-vl-instruct.chat_template.jinja)
/// written as code: a default system turn when the first message is not a system message; every message, whatever
/// its role, as <c>&lt;|im_start|&gt;{role}\n…&lt;|im_end|&gt;\n</c>; images and videos in list content of any role; tools
/// and tool calls are not rendered (the template has no such block).
/// </summary>
public sealed class Qwen2VlChatTemplate : IChatTemplate
{
    public static Qwen2VlChatTemplate Instance { get; } = new();

    private const string DefaultSystem = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyList<JsonElement>? tools = null, bool addVisionId = false)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder(256);
        var imageCount = 0;
        var videoCount = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (i == 0 && m.Role != ChatRole.System) sb.Append(DefaultSystem);
            sb.Append("<|im_start|>").Append(m.Role).Append('\n');
            if (m.Text is not null) sb.Append(m.Text);
            else if (m.Parts is not null) ChatTemplateParts.AppendParts(sb, m.Parts, addVisionId, ref imageCount, ref videoCount);
            else throw ChatTemplateParts.NullContent(i, m.Role);
            sb.Append("<|im_end|>\n");
        }
        if (addGenerationPrompt) sb.Append("<|im_start|>assistant\n");
        return sb.ToString();
    }
}
