using System.Text.Json;

namespace VLOrleans.Engine.Text;

/// <summary>One item of a message's list content (text, an image or a video placeholder).</summary>
public abstract record ChatContent;

/// <summary>Text, rendered verbatim.</summary>
public sealed record TextContent(string Text) : ChatContent;

/// <summary>An image: rendered as <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;</c>.
/// <paramref name="Reference"/> is the caller's handle for the image (never rendered).</summary>
public sealed record ImageContent(string? Reference = null) : ChatContent;

/// <summary>A video: rendered as <c>&lt;|vision_start|&gt;&lt;|video_pad|&gt;&lt;|vision_end|&gt;</c>.</summary>
public sealed record VideoContent(string? Reference = null) : ChatContent;

/// <summary>
/// A tool call made by the assistant. <paramref name="Arguments"/> as in the templates: a JSON string is written
/// verbatim (OpenAI sends arguments as a string), any other JSON value is serialised like Jinja's <c>tojson</c>.
/// </summary>
public sealed record ToolCall(string Name, JsonElement Arguments);

/// <summary>Role names the Qwen templates know.</summary>
public static class ChatRole
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
}

/// <summary>
/// A chat turn. Content is either a string (<see cref="Text"/>) or a list (<see cref="Parts"/>), as in Hugging Face
/// chat messages; the templates treat them differently (only list content carries images; an empty list and an
/// empty string are both "no content"). Neither set means null content, which the real templates reject.
/// </summary>
public sealed record ChatMessage(string Role, string? Text, IReadOnlyList<ChatContent>? Parts, IReadOnlyList<ToolCall>? ToolCalls = null)
{
    public static ChatMessage System(string text) => new(ChatRole.System, text, null);

    public static ChatMessage User(string text) => new(ChatRole.User, text, null);

    public static ChatMessage User(params ChatContent[] parts) => new(ChatRole.User, null, parts);

    public static ChatMessage Assistant(string text, IReadOnlyList<ToolCall>? toolCalls = null) => new(ChatRole.Assistant, text, null, toolCalls);

    public static ChatMessage ToolResult(string text) => new(ChatRole.Tool, text, null);

    public static ChatMessage ToolResult(params ChatContent[] parts) => new(ChatRole.Tool, null, parts);

    /// <summary>Jinja truthiness of the content: a non-empty string or a non-empty list.</summary>
    internal bool HasContent => Text is { Length: > 0 } || Parts is { Count: > 0 };
}
