using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Engine.Text.Grounding;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>Finishing a turn: the question and answer stored, the ring buffer moved on, unused embeddings let go.</summary>
internal sealed partial class ChatSessionGrain
{
    /// <summary>Stores the question and its answer (one transaction), then moves the ring buffer on and lets go of
    /// images no kept turn and no pending upload uses.</summary>
    /// <param name="key">The request's Idempotency-Key, stored with the pair (both or neither); when another request took
    /// it meanwhile nothing is stored and the key's reuse is reported.</param>
    private async Task<TurnView> PersistAsync(string question, PreparedTurn turn, string answer, GenerationCompleted done, DateTimeOffset startedAt,
        StoredIdempotencyKey? key)
    {
        var index = _nextTurnIndex;
        var usage = new UsageView(done.Usage.PromptTokens, done.Usage.ReusedPromptTokens, done.Usage.CompletionTokens);
        var timings = new TimingsView(done.Timings.Queued.TotalMilliseconds, done.Timings.TimeToFirstToken.TotalMilliseconds,
            done.Timings.Total.TotalMilliseconds, done.Timings.DecodeTokensPerSecond(done.Usage.CompletionTokens), turn.VisionCacheHits, turn.VisionEncodes);
        var user = new TurnView(index, ChatRole.User, question, turn.ImageIds, startedAt);
        var assistant = new TurnView(index + 1, ChatRole.Assistant, answer, [], Now(),
            done.Reason == FinishReason.Length ? "length" : "stop", usage, timings, Boxes(answer, turn));
        // Not cancellable: the answer is complete; dropping it now would lose a turn the caller has seen.
        if (key is null) await store.AppendTurnsAsync(Id, [user, assistant], CancellationToken.None);
        else if (!await store.AppendTurnsOnceAsync(Id, [user, assistant], key, CancellationToken.None))
            throw KeyReused(new IdempotencyClaim(key.Key, key.Fingerprint));
        _nextTurnIndex = index + 2;
        Keep(new KeptTurn(question, turn.ImageIds, answer));
        foreach (var id in turn.Reported) _unreported.Remove(id);
        var needed = (options.KeepImageEmbeddings ? _kept.SelectMany(k => k.ImageIds) : [])
            .Concat(_images.Values.Where(l => l.NextTurnIndex >= _nextTurnIndex).Select(l => l.Image.Id))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var id in _prepared.Keys.Where(id => !needed.Contains(id)).ToArray())
        {
            _prepared.Remove(id);
            _unreported.Remove(id);
        }
        return assistant;
    }

    /// <summary>The answer's boxes on the last image of the prompt (<see cref="TurnBoxes"/> says why that one), sized by
    /// the grid the vision encoder ran on.</summary>
    private static IReadOnlyList<BoxView>? Boxes(string answer, PreparedTurn turn)
    {
        if (turn.Images.Count == 0) return null;
        var image = turn.Images[^1];
        var frame = GroundingFrame.FromGrid(image.Facts.OriginalWidth, image.Facts.OriginalHeight, image.Grid, turn.Engine.Package.Config.Vision.PatchSize);
        return TurnBoxes.From(answer, turn.Engine.Family, image.Facts.ContentHash, frame);
    }
}
