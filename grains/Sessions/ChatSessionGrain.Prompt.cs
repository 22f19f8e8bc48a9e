using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;

namespace VLOrleans.Grains.Sessions;

/// <summary>Building a turn's prompt: the question checked, the images kept turns and question need prepared (held,
/// found in the engine's vision cache by id, or re-prepared from stored bytes), and kept turns + question assembled by
/// the engine's <see cref="ConversationPrompt"/> with the request's sampling over the model's defaults.</summary>
internal sealed partial class ChatSessionGrain
{
    private sealed record PreparedTurn(VisionLanguageEngine Engine, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<PreparedImage> Images,
        GenerationSettings Settings, IReadOnlyList<string> ImageIds, int VisionCacheHits, int VisionEncodes, IReadOnlyList<string> Reported, int HistoryCount);

    /// <summary>Checks the question, prepares the images the prompt needs, and assembles kept turns (less the
    /// <paramref name="dropOldest"/> oldest) + question.</summary>
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

        var turns = new List<ConversationTurn>(history.Length + 1);
        foreach (var kept in history) turns.Add(new ConversationTurn(kept.Question, await PrepareAllAsync(engine, kept.ImageIds, cancellationToken), kept.Answer));
        turns.Add(new ConversationTurn(request.Text, await PrepareAllAsync(engine, imageIds, cancellationToken)));

        // Each distinct image counts once per turn's timings: an encode or a cache hit the first time a turn reports
        // it, a hit (held since an earlier turn) afterwards.
        int hits = 0, encodes = 0;
        var reported = new List<string>();
        foreach (var id in turns.SelectMany(t => t.Images).Select(i => i.Facts.ContentHash).Distinct(StringComparer.Ordinal))
        {
            if (!_unreported.TryGetValue(id, out var wasCached)) wasCached = true;
            else reported.Add(id);
            if (wasCached) hits++;
            else encodes++;
        }
        var (messages, images) = ConversationPrompt.Build(turns);
        LastPrompt = messages;
        return new PreparedTurn(engine, messages, images, settings, imageIds, hits, encodes, reported, history.Length);
    }

    private async Task<IReadOnlyList<PreparedImage>> PrepareAllAsync(VisionLanguageEngine engine, IReadOnlyList<string> imageIds, CancellationToken cancellationToken)
    {
        var prepared = new List<PreparedImage>(imageIds.Count);
        foreach (var id in imageIds) prepared.Add(await EnsurePreparedAsync(engine, id, cancellationToken));
        return prepared;
    }

    /// <summary>The image's prepared form: held in memory; or, after a deactivation or once its turn left the ring
    /// buffer, found by id in the engine's vision cache; or re-prepared from the stored bytes (after a restart, or
    /// once the cache let it go).</summary>
    private async Task<PreparedImage> EnsurePreparedAsync(VisionLanguageEngine engine, string imageId, CancellationToken cancellationToken)
    {
        if (_prepared.TryGetValue(imageId, out var held)) return held;
        // The id is the pixel hash: while the engine's vision cache has the embeddings, nothing is read or decoded again.
        if (engine.TryReusePrepared(imageId, out var reused))
        {
            _prepared[imageId] = reused;
            _unreported[imageId] = true;
            return reused;
        }
        var bytes = await store.GetImageBytesAsync(imageId, cancellationToken) ?? throw new ImageNotFoundException(Id, imageId);
        var prepared = await engine.PrepareImageAsync(bytes, cancellationToken);
        if (_prepared.TryAdd(imageId, prepared)) _unreported[imageId] = prepared.WasCached;
        return _prepared[imageId];
    }

    private GenerationSettings Settings(AskRequest request, GenerationDefaults defaults)
    {
        if (request.MaxTokens is <= 0) throw SessionProblems.Invalid("max_tokens must be positive.");
        var maxTokens = Math.Min(request.MaxTokens ?? options.DefaultAnswerTokens, options.MaxAnswerTokens);
        try
        {
            return ConversationPrompt.Settings(defaults, maxTokens, new SamplingOverrides(request.Temperature, request.TopP, request.TopK, request.Seed), request.IgnoreEos)
                with { Output = Inference.RequestedOutput.Of(request.ResponseFormat) }; // response_format: JSON enforced while sampling
        }
        catch (ArgumentException e)
        {
            // Only the request's own sampling values are validated here: a bad one is the caller's error (400).
            throw SessionProblems.InvalidSampling(e);
        }
    }
}
