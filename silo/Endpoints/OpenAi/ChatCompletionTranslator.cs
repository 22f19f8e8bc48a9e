using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>An OpenAI request in the one-shot grain's terms, and its image URLs in order. The request's image parts
/// are empty until <see cref="WithImages"/> puts the loaded bytes in.</summary>
public sealed record TranslatedChat(CompletionRequest Request, IReadOnlyList<ImageUrlRef> ImageUrls)
{
    /// <summary>The request with <paramref name="images"/> (one per <see cref="ImageUrls"/> entry, same order) in its image parts.</summary>
    public CompletionRequest WithImages(IReadOnlyList<byte[]> images)
    {
        if (images.Count != ImageUrls.Count) throw new ArgumentException($"{ImageUrls.Count} images expected, {images.Count} given.", nameof(images));
        var next = 0;
        var messages = Request.Messages
            .Select(m => m.Parts is null ? m : m with { Parts = m.Parts.Select(p => p.Image is null ? p : CompletionPart.OfImage(images[next++])).ToArray() })
            .ToArray();
        return Request with { Messages = messages };
    }
}

/// <summary>An image_url part and where it was in the request (for error messages: <c>messages[1].content[0].image_url</c>).</summary>
public sealed record ImageUrlRef(string Url, string Param);

/// <summary>
/// Reads an OpenAI chat request into the one-shot grain's request, refusing what this server cannot honour with
/// a 400 naming the field: <c>n</c> other than 1, roles other than system/developer/user/assistant/tool, content parts
/// other than text and image_url, out-of-range numbers, malformed tools, a schema outside the supported subset
/// (<c>unsupported_schema</c>), fields it does not model (<see cref="UnhonouredFields"/>). Tools, tool_choice and
/// response_format are read by <see cref="ToolRequests"/> and checked by the grains' <see cref="RequestedOutput"/>. Parameters the client leaves out stay unset, and the silo that
/// answers fills them from the model's generation_config.json (as vLLM does), so a client that sends only
/// <c>temperature</c> keeps the model's top-k.
/// </summary>
public static class ChatCompletionTranslator
{
    /// <summary>OpenAI allows up to 20 alternatives per token.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>OpenAI allows 4 stop sequences; a few more cost nothing.</summary>
    public const int MaxStopStrings = 16;

    public static TranslatedChat Translate(ChatCompletionRequest request, LimitSettings limits)
    {
        UnhonouredFields.Check(request.OtherFields, "", topLevel: true);
        if (request.N is { } n && n != 1) throw RequestRejectedException.Invalid($"n = {n}: this server returns one choice per request (n must be 1).", "n");
        if (request.Messages is not { Count: > 0 } wire) throw RequestRejectedException.Invalid("messages must be a non-empty array.", "messages");

        var messages = new List<CompletionMessage>(wire.Count);
        var images = new List<ImageUrlRef>();
        for (var i = 0; i < wire.Count; i++) messages.Add(Message(wire[i], $"messages[{i}]", images));

        var maxTokens = request.MaxCompletionTokens ?? request.MaxTokens;
        var maxTokensParam = request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
        if (maxTokens is { } m && (m < 1 || m > limits.MaxAnswerTokens))
            throw RequestRejectedException.Invalid($"{maxTokensParam} = {m}: it must be between 1 and {limits.MaxAnswerTokens} (VLO:Limits:MaxAnswerTokens).", maxTokensParam);

        var topLogprobs = request.TopLogprobs ?? 0;
        if (topLogprobs is < 0 or > MaxTopLogprobs) throw RequestRejectedException.Invalid($"top_logprobs must be between 0 and {MaxTopLogprobs}.", "top_logprobs");
        if (topLogprobs > 0 && request.Logprobs != true) throw RequestRejectedException.Invalid("top_logprobs needs logprobs: true.", "top_logprobs");

        var tools = ToolRequests.Tools(request.Tools);
        var toolChoice = ToolRequests.Choice(request.ToolChoice, tools);
        if (request.ParallelToolCalls is not null && tools.Count == 0)
            throw RequestRejectedException.Invalid("parallel_tool_calls needs tools: the request lists none.", "parallel_tool_calls");
        if (ToolRequests.ParsesCalls(tools, toolChoice) && request.Logprobs == true)
            throw RequestRejectedException.Invalid("logprobs cannot be combined with tools: tool-call text is not returned token by token.", "logprobs");
        ToolRequests.CheckOutput(request.ResponseFormat, tools, toolChoice, request.ParallelToolCalls ?? true);

        var sampling = new CompletionSampling
        {
            Temperature = request.Temperature,
            TopP = request.TopP,
            TopK = request.TopK,
            MinP = request.MinP,
            RepetitionPenalty = request.RepetitionPenalty,
            PresencePenalty = request.PresencePenalty,
            FrequencyPenalty = request.FrequencyPenalty,
            Seed = request.Seed is { } seed ? unchecked((ulong)seed) : null,
        };
        try
        {
            // Each value is checked on its own, so checking the client's values over neutral ones accepts exactly what
            // they are accepted over the model's defaults; here the refusal can still name the field.
            ConversationPrompt.Overlay(new SamplingParameters(), sampling.ToOverrides()).Validate();
        }
        catch (ArgumentException e)
        {
            throw JsonFieldErrors.OutOfRange(e); // top_p, as the client wrote it (the engine says TopP)
        }

        var completion = new CompletionRequest
        {
            Messages = messages,
            Sampling = sampling,
            MaxTokens = maxTokens, // null: the answering silo gives what the context leaves, within the limit
            MaxTokensLimit = limits.MaxAnswerTokens,
            StopStrings = StopStrings(request.Stop),
            IgnoreEos = request.IgnoreEos ?? false,
            Logprobs = request.Logprobs ?? false,
            TopLogprobs = topLogprobs,
            ResponseFormat = request.ResponseFormat,
            Tools = tools,
            ToolChoice = toolChoice,
            ParallelToolCalls = request.ParallelToolCalls ?? true,
        };
        return new TranslatedChat(completion, images);
    }

    private static CompletionMessage Message(ChatCompletionMessage message, string param, List<ImageUrlRef> images)
    {
        UnhonouredFields.Check(message.OtherFields, param + ".", topLevel: false);
        var role = message.Role switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "tool" => ChatRole.Tool,
            null => throw RequestRejectedException.Invalid($"{param}.role is missing.", $"{param}.role"),
            var other => throw RequestRejectedException.Invalid($"{param}.role '{other}' is not supported: use system, developer, user, assistant or tool.", $"{param}.role"),
        };
        var calls = ToolRequests.Calls(message.ToolCalls, role, $"{param}.tool_calls");
        if (message.ToolCallId is not null && role != ChatRole.Tool)
            throw RequestRejectedException.Invalid($"{param}.tool_call_id belongs on a tool message, not on role '{message.Role}'.", $"{param}.tool_call_id");
        var content = message.Content;
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                return new CompletionMessage(role, content.Value.GetString(), null, calls);
            case JsonValueKind.Array:
                var parts = new List<CompletionPart>();
                var index = 0;
                foreach (var part in content.Value.EnumerateArray()) parts.Add(Part(part, $"{param}.content[{index++}]", images));
                return new CompletionMessage(role, null, parts, calls);
            case null or JsonValueKind.Null when calls is not null:
                return new CompletionMessage(role, "", null, calls); // an assistant turn that only called tools
            default:
                throw RequestRejectedException.Invalid($"{param}.content must be a string or an array of parts.", $"{param}.content");
        }
    }

    private static CompletionPart Part(JsonElement part, string param, List<ImageUrlRef> images)
    {
        if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw RequestRejectedException.Invalid($"{param} must be an object with a \"type\".", param);
        switch (type.GetString())
        {
            case "text":
                if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                    throw RequestRejectedException.Invalid($"{param}.text must be a string.", $"{param}.text");
                return CompletionPart.OfText(text.GetString()!);
            case "image_url":
                var url = part.TryGetProperty("image_url", out var imageUrl) ? imageUrl switch
                {
                    { ValueKind: JsonValueKind.String } => imageUrl.GetString(),
                    { ValueKind: JsonValueKind.Object } when imageUrl.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String => u.GetString(),
                    _ => null,
                } : null;
                if (string.IsNullOrEmpty(url)) throw RequestRejectedException.Invalid($"{param}.image_url.url must be a string.", $"{param}.image_url");
                images.Add(new ImageUrlRef(url, $"{param}.image_url"));
                return CompletionPart.OfImage([]); // the bytes come in once loaded (TranslatedChat.WithImages)
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
