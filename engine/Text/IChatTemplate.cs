using System.Text.Json;
using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Text;

/// <summary>Renders a conversation to the prompt text a Qwen-VL model was trained on (byte-identical to its Jinja template).</summary>
public interface IChatTemplate
{
    /// <summary>
    /// Renders <paramref name="messages"/>. Each image becomes one <c>&lt;|image_pad|&gt;</c> (expand it with
    /// <see cref="ImagePlaceholderExpander"/> after tokenising). <paramref name="tools"/> are JSON tool definitions
    /// (Qwen3-VL only; Qwen2/2.5-VL's template ignores them). <paramref name="addVisionId"/> prefixes "Picture N: ".
    /// Throws <see cref="TextException"/> (InvalidChatMessage) for a message the template cannot render (null content).
    /// </summary>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyList<JsonElement>? tools = null, bool addVisionId = false);
}

/// <summary>The chat template of each family.</summary>
public static class ChatTemplates
{
    /// <summary>Qwen2-VL and Qwen2.5-VL share one template; Qwen3-VL-Instruct has its own.</summary>
    public static IChatTemplate For(QwenVlFamily family) => family switch
    {
        QwenVlFamily.Qwen2Vl or QwenVlFamily.Qwen25Vl => Qwen2VlChatTemplate.Instance,
        QwenVlFamily.Qwen3Vl => Qwen3VlChatTemplate.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown Qwen-VL family"),
    };
}
