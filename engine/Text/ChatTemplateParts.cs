using System.Text;

namespace VLOrleans.Engine.Text;

/// <summary>Pieces both Qwen templates render the same way.</summary>
internal static class ChatTemplateParts
{
    public const string ImagePlaceholder = "<|vision_start|><|image_pad|><|vision_end|>";
    public const string VideoPlaceholder = "<|vision_start|><|video_pad|><|vision_end|>";

    /// <summary>List content: images/videos as placeholders (numbered across the conversation when
    /// <paramref name="addVisionId"/>), text verbatim.</summary>
    public static void AppendParts(StringBuilder sb, IReadOnlyList<ChatContent> parts, bool addVisionId, ref int imageCount, ref int videoCount)
    {
        foreach (var part in parts)
        {
            switch (part)
            {
                case ImageContent:
                    imageCount++;
                    if (addVisionId) sb.Append("Picture ").Append(imageCount).Append(": ");
                    sb.Append(ImagePlaceholder);
                    break;
                case VideoContent:
                    videoCount++;
                    if (addVisionId) sb.Append("Video ").Append(videoCount).Append(": ");
                    sb.Append(VideoPlaceholder);
                    break;
                case TextContent t:
                    sb.Append(t.Text);
                    break;
            }
        }
    }

    /// <summary>Only the text items of list content (what the Qwen3-VL template does for system and assistant messages).</summary>
    public static void AppendTextParts(StringBuilder sb, IReadOnlyList<ChatContent> parts)
    {
        foreach (var part in parts)
            if (part is TextContent t) sb.Append(t.Text);
    }

    public static TextException NullContent(int index, string role) =>
        new(TextErrorCode.InvalidChatMessage,
            $"Message {index} ({role}) has null content; the chat template needs a string or a list (use \"\" for none).");
}
