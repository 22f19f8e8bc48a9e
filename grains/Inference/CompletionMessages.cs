using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Sessions;

namespace VLOrleans.Grains.Inference;

/// <summary>
/// A completion's messages as the chat template takes them: roles system, user, assistant and tool; text or parts (an
/// image part becomes what <c>image</c> makes of its bytes, in order); an assistant's earlier tool calls with their
/// arguments string written verbatim, as the Qwen templates write a string (OpenAI sends arguments as a JSON string).
/// Public so the rendering of OpenAI requests can be checked against the reference template (golden tests).
/// </summary>
public static class CompletionMessages
{
    /// <exception cref="RequestProblemException">An unknown role, or a part with neither text nor an image.</exception>
    public static async Task<ChatMessage> ToChatAsync(CompletionMessage message, Func<byte[], Task<ChatContent>> image)
    {
        ArgumentNullException.ThrowIfNull(message);
        var role = message.Role is ChatRole.System or ChatRole.User or ChatRole.Assistant or ChatRole.Tool
            ? message.Role
            : throw SessionProblems.Invalid($"role '{message.Role}' is not supported: use system, user, assistant or tool.");
        var calls = message.ToolCalls is { Count: > 0 } made ? made.Select(ToolCallOf).ToArray() : null;
        if (message.Parts is null) return new ChatMessage(role, message.Text ?? "", null, calls);
        var parts = new List<ChatContent>(message.Parts.Count);
        foreach (var part in message.Parts)
        {
            if (part.Image is { } bytes) parts.Add(await image(bytes));
            else parts.Add(new TextContent(part.Text ?? throw SessionProblems.Invalid("a content part has neither text nor an image.")));
        }
        return new ChatMessage(role, null, parts, calls);
    }

    private static ToolCall ToolCallOf(CompletionToolCall call)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(call.ArgumentsJson));
        return new ToolCall(call.Name, document.RootElement.Clone());
    }
}
