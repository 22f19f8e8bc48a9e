using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation;

/// <summary>One question of a conversation with the images attached to it, and its answer once there is one.</summary>
public sealed record ConversationTurn(string Question, IReadOnlyList<PreparedImage> Images, string? Answer = null);

/// <summary>The sampling a caller asks for; each null keeps the model's default (generation_config.json).</summary>
public sealed record SamplingOverrides(float? Temperature = null, float? TopP = null, int? TopK = null, ulong? Seed = null,
    float? MinP = null, float? RepetitionPenalty = null, float? PresencePenalty = null, float? FrequencyPenalty = null);

/// <summary>
/// The one place a conversation — its turns with their images, and the caller's sampling — becomes the engine's input:
/// a session grain (kept turns + the new question), the command line's in-process conversations, and the one-shot
/// endpoint all assemble prompts here, so they cannot drift apart.
/// </summary>
public static class ConversationPrompt
{
    /// <summary>Chat messages (each question a user message with its images first, each answer an assistant message)
    /// and the images in order of appearance, as <see cref="VisionLanguageEngine.Ask"/> takes them.</summary>
    public static (IReadOnlyList<ChatMessage> Messages, IReadOnlyList<PreparedImage> Images) Build(IEnumerable<ConversationTurn> turns)
    {
        var messages = new List<ChatMessage>();
        var images = new List<PreparedImage>();
        foreach (var turn in turns)
        {
            var parts = new List<ChatContent>(turn.Images.Count + 1);
            foreach (var image in turn.Images) parts.Add(new ImageContent(image.Facts.ContentHash));
            parts.Add(new TextContent(turn.Question));
            messages.Add(new ChatMessage(ChatRole.User, null, parts));
            images.AddRange(turn.Images);
            if (turn.Answer is not null) messages.Add(ChatMessage.Assistant(turn.Answer));
        }
        return (messages, images);
    }

    /// <summary>The client's overrides over <paramref name="defaults"/>, each value the client left unset kept (not validated).</summary>
    public static SamplingParameters Overlay(SamplingParameters defaults, SamplingOverrides? sampling) => sampling is null ? defaults : defaults with
    {
        Temperature = sampling.Temperature ?? defaults.Temperature,
        TopP = sampling.TopP ?? defaults.TopP,
        TopK = sampling.TopK ?? defaults.TopK,
        Seed = sampling.Seed ?? defaults.Seed,
        MinP = sampling.MinP ?? defaults.MinP,
        RepetitionPenalty = sampling.RepetitionPenalty ?? defaults.RepetitionPenalty,
        PresencePenalty = sampling.PresencePenalty ?? defaults.PresencePenalty,
        FrequencyPenalty = sampling.FrequencyPenalty ?? defaults.FrequencyPenalty,
    };

    /// <summary>Generation settings: the overrides over the model's defaults, validated.</summary>
    /// <exception cref="ArgumentException">A sampling value is out of range (the message names it).</exception>
    public static GenerationSettings Settings(GenerationDefaults defaults, int maxTokens, SamplingOverrides? sampling = null, bool ignoreEos = false)
    {
        var chosen = Overlay(defaults.Sampling, sampling);
        chosen.Validate();
        return new GenerationSettings { MaxTokens = maxTokens, Sampling = chosen, IgnoreEos = ignoreEos };
    }

    /// <summary>
    /// An answer's token budget: the caller's, or — when the caller gave none (OpenAI's max_tokens left out) — as much
    /// as the slot's context leaves after the prompt, within the server's answer limit, and at least one token (a
    /// prompt that leaves none is refused by the worker as context_length_exceeded).
    /// </summary>
    public static int AnswerBudget(int? requested, int limit, int promptTokens, int maxSequenceLength) =>
        requested ?? Math.Max(1, Math.Min(limit, maxSequenceLength - promptTokens));
}
