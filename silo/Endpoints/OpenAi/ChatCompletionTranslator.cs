using System.Text.Json;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Text;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>An OpenAI request in the engine's terms: the conversation, its image URLs in order, and the settings.
/// <see cref="MaxTokens"/> is null when the client did not say (then: as much as the context and the limit allow).</summary>
public sealed record TranslatedChat(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<ImageUrlRef> ImageUrls, GenerationSettings Settings, int? MaxTokens);

/// <summary>An image_url part and where it was in the request (for error messages: <c>messages[1].content[0].image_url</c>).</summary>
public sealed record ImageUrlRef(string Url, string Param);

/// <summary>
/// Reads an OpenAI chat request into engine messages and settings, refusing what this server cannot honour with
/// a 400 naming the field: <c>n</c> other than 1, roles other than system/developer/user/assistant, content parts
/// other than text and image_url, out-of-range numbers. Parameters the client leaves out fall back to the model's
/// generation_config.json (as vLLM does), so a client that sends only <c>temperature</c> keeps the model's top-k.
/// </summary>
public static class ChatCompletionTranslator
{
    /// <summary>OpenAI allows up to 20 alternatives per token.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>OpenAI allows 4 stop sequences; a few more cost nothing.</summary>
    public const int MaxStopStrings = 16;

    public static TranslatedChat Translate(ChatCompletionRequest request, GenerationDefaults defaults, LimitSettings limits)
    {
        if (request.N is { } n && n != 1) throw RequestRejectedException.Invalid($"n = {n}: this server returns one choice per request (n must be 1).", "n");
        if (request.Messages is not { Count: > 0 } wire) throw RequestRejectedException.Invalid("messages must be a non-empty array.", "messages");

        var messages = new List<ChatMessage>(wire.Count);
        var images = new List<ImageUrlRef>();
        for (var i = 0; i < wire.Count; i++) messages.Add(Message(wire[i], $"messages[{i}]", images));

        var maxTokens = request.MaxCompletionTokens ?? request.MaxTokens;
        var maxTokensParam = request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
        if (maxTokens is { } m && (m < 1 || m > limits.MaxAnswerTokens))
            throw RequestRejectedException.Invalid($"{maxTokensParam} = {m}: it must be between 1 and {limits.MaxAnswerTokens} (VLO:Limits:MaxAnswerTokens).", maxTokensParam);

        var topLogprobs = request.TopLogprobs ?? 0;
        if (topLogprobs is < 0 or > MaxTopLogprobs) throw RequestRejectedException.Invalid($"top_logprobs must be between 0 and {MaxTopLogprobs}.", "top_logprobs");
        if (topLogprobs > 0 && request.Logprobs != true) throw RequestRejectedException.Invalid("top_logprobs needs logprobs: true.", "top_logprobs");

        var d = defaults.Sampling;
        var sampling = d with
        {
            Temperature = request.Temperature ?? d.Temperature,
            TopP = request.TopP ?? d.TopP,
            TopK = request.TopK ?? d.TopK,
            MinP = request.MinP ?? d.MinP,
            RepetitionPenalty = request.RepetitionPenalty ?? d.RepetitionPenalty,
            PresencePenalty = request.PresencePenalty ?? d.PresencePenalty,
            FrequencyPenalty = request.FrequencyPenalty ?? d.FrequencyPenalty,
            Seed = request.Seed is { } seed ? unchecked((ulong)seed) : d.Seed,
        };
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException e)
        {
            throw RequestRejectedException.Invalid(e.Message.Split(" (Parameter", 2)[0], SnakeCase(e.ParamName));
        }

        var settings = new GenerationSettings
        {
            MaxTokens = maxTokens ?? limits.MaxAnswerTokens,
            Sampling = sampling,
            StopStrings = StopStrings(request.Stop),
            IgnoreEos = request.IgnoreEos ?? false,
            Logprobs = request.Logprobs ?? false,
            TopLogprobs = topLogprobs,
        };
        return new TranslatedChat(messages, images, settings, maxTokens);
    }

    private static ChatMessage Message(ChatCompletionMessage message, string param, List<ImageUrlRef> images)
    {
        var role = message.Role switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            null => throw RequestRejectedException.Invalid($"{param}.role is missing.", $"{param}.role"),
            var other => throw RequestRejectedException.Invalid($"{param}.role '{other}' is not supported: use system, developer, user or assistant.", $"{param}.role"),
        };
        var content = message.Content;
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                return new ChatMessage(role, content.Value.GetString(), null);
            case JsonValueKind.Array:
                var parts = new List<ChatContent>();
                var index = 0;
                foreach (var part in content.Value.EnumerateArray()) parts.Add(Part(part, $"{param}.content[{index++}]", images));
                return new ChatMessage(role, null, parts);
            default:
                throw RequestRejectedException.Invalid($"{param}.content must be a string or an array of parts.", $"{param}.content");
        }
    }

    private static ChatContent Part(JsonElement part, string param, List<ImageUrlRef> images)
    {
        if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw RequestRejectedException.Invalid($"{param} must be an object with a \"type\".", param);
        switch (type.GetString())
        {
            case "text":
                if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                    throw RequestRejectedException.Invalid($"{param}.text must be a string.", $"{param}.text");
                return new TextContent(text.GetString()!);
            case "image_url":
                var url = part.TryGetProperty("image_url", out var imageUrl) ? imageUrl switch
                {
                    { ValueKind: JsonValueKind.String } => imageUrl.GetString(),
                    { ValueKind: JsonValueKind.Object } when imageUrl.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String => u.GetString(),
                    _ => null,
                } : null;
                if (string.IsNullOrEmpty(url)) throw RequestRejectedException.Invalid($"{param}.image_url.url must be a string.", $"{param}.image_url");
                images.Add(new ImageUrlRef(url, $"{param}.image_url"));
                return new ImageContent($"image-{images.Count}");
            case var other:
                throw RequestRejectedException.Invalid($"{param}.type '{other}' is not supported: use text or image_url.", $"{param}.type");
        }
    }

    private static IReadOnlyList<string> StopStrings(JsonElement? stop)
    {
        switch (stop?.ValueKind)
        {
            case null or JsonValueKind.Null or JsonValueKind.Undefined:
                return [];
            case JsonValueKind.String:
                return stop.Value.GetString() is { Length: > 0 } one ? [one] : [];
            case JsonValueKind.Array when stop.Value.GetArrayLength() <= MaxStopStrings && stop.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                return stop.Value.EnumerateArray().Select(e => e.GetString()!).Where(s => s.Length > 0).ToArray();
            default:
                throw RequestRejectedException.Invalid($"stop must be a string or an array of at most {MaxStopStrings} strings.", "stop");
        }
    }

    private static string? SnakeCase(string? name) => name is null ? null : JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
