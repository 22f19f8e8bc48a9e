using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;

namespace VLOrleans.Grains.Sessions;

/// <summary>Building a turn's prompt: the question checked, kept turns and question as chat messages, the images
/// they need prepared (held, or re-prepared from stored bytes), sampling from the request over the model's defaults.</summary>
internal sealed partial class ChatSessionGrain
{
    private sealed record PreparedTurn(VisionLanguageEngine Engine, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<PreparedImage> Images,
        GenerationSettings Settings, IReadOnlyList<string> ImageIds, int VisionCacheHits, int VisionEncodes, IReadOnlyList<string> Reported, int HistoryCount);

    /// <summary>Checks the question, prepares the images the prompt needs, and renders kept turns (less the
    /// <paramref name="dropOldest"/> oldest) + question as chat messages.</summary>
    private async Task<PreparedTurn> PrepareTurnAsync(AskRequest request, int dropOldest, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Text)) throw SessionProblems.Invalid("text must not be empty.");
        var engine = inference.Engine;
        var settings = Settings(request, engine.Defaults);
        KeptTurn[] history = [.. _kept.Skip(dropOldest)];
        string[] imageIds = request.ImageIds is { } requested
            ? [.. requested.Distinct(StringComparer.Ordinal)]
            : [.. _images.Values.Where(l => l.NextTurnIndex >= _nextTurnIndex).Select(l => l.Image.Id)];
        foreach (var id in imageIds)
            if (!_images.ContainsKey(id)) throw new ImageNotFoundException(Id, id);

        var messages = new List<ChatMessage>();
        var images = new List<PreparedImage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int hits = 0, encodes = 0;
        var reported = new List<string>();
        async Task<ChatMessage> UserMessage(string text, IReadOnlyList<string> ids)
        {
            var parts = new List<ChatContent>();
            foreach (var id in ids)
            {
                var prepared = await EnsurePreparedAsync(engine, id, cancellationToken);
                images.Add(prepared);
                parts.Add(new ImageContent(id));
                if (!seen.Add(id)) continue;
                if (!_unreported.TryGetValue(id, out var wasCached)) wasCached = true; // held since an earlier turn: reused
                else reported.Add(id);
                if (wasCached) hits++;
                else encodes++;
            }
            parts.Add(new TextContent(text));
            return new ChatMessage(ChatRole.User, null, parts);
        }
        foreach (var kept in history)
        {
            messages.Add(await UserMessage(kept.Question, kept.ImageIds));
            messages.Add(ChatMessage.Assistant(kept.Answer));
        }
        messages.Add(await UserMessage(request.Text, imageIds));
        LastPrompt = messages;
        return new PreparedTurn(engine, messages, images, settings, imageIds, hits, encodes, reported, history.Length);
    }

    /// <summary>The image's prepared form: held in memory, or re-prepared from the stored bytes (after a restart,
    /// a deactivation, or once its turn left the ring buffer).</summary>
    private async Task<PreparedImage> EnsurePreparedAsync(VisionLanguageEngine engine, string imageId, CancellationToken cancellationToken)
    {
        if (_prepared.TryGetValue(imageId, out var held)) return held;
        var bytes = await store.GetImageBytesAsync(imageId, cancellationToken) ?? throw new ImageNotFoundException(Id, imageId);
        var prepared = await engine.PrepareImageAsync(bytes, cancellationToken);
        if (_prepared.TryAdd(imageId, prepared)) _unreported[imageId] = prepared.WasCached;
        return _prepared[imageId];
    }

    private GenerationSettings Settings(AskRequest request, GenerationDefaults defaults)
    {
        if (request.MaxTokens is <= 0) throw SessionProblems.Invalid("max_tokens must be positive.");
        var sampling = defaults.Sampling with
        {
            Temperature = request.Temperature ?? defaults.Sampling.Temperature,
            TopP = request.TopP ?? defaults.Sampling.TopP,
            TopK = request.TopK ?? defaults.Sampling.TopK,
            Seed = request.Seed ?? defaults.Sampling.Seed,
        };
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException e)
        {
            // Only the request's own sampling values are validated here: a bad one is the caller's error (400).
            throw SessionProblems.Invalid(e.Message);
        }
        var maxTokens = Math.Min(request.MaxTokens ?? options.DefaultAnswerTokens, options.MaxAnswerTokens);
        return new GenerationSettings { MaxTokens = maxTokens, Sampling = sampling, IgnoreEos = request.IgnoreEos };
    }
}
