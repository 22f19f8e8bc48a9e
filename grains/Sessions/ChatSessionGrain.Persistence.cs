using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;

namespace VLOrleans.Grains.Sessions;

/// <summary>Finishing a turn: the question and answer stored, the ring buffer moved on, unused embeddings let go.</summary>
internal sealed partial class ChatSessionGrain
{
    /// <summary>Stores the question and its answer (one transaction), then moves the ring buffer on and lets go of
    /// images no kept turn and no pending upload uses.</summary>
    private async Task<TurnView> PersistAsync(string question, PreparedTurn turn, string answer, GenerationCompleted done, DateTimeOffset startedAt)
    {
        var index = _nextTurnIndex;
        var usage = new UsageView(done.Usage.PromptTokens, done.Usage.ReusedPromptTokens, done.Usage.CompletionTokens);
        var timings = new TimingsView(done.Timings.Queued.TotalMilliseconds, done.Timings.TimeToFirstToken.TotalMilliseconds,
            done.Timings.Total.TotalMilliseconds, done.Timings.DecodeTokensPerSecond(done.Usage.CompletionTokens), turn.VisionCacheHits, turn.VisionEncodes);
        var user = new TurnView(index, ChatRole.User, question, turn.ImageIds, startedAt);
        var assistant = new TurnView(index + 1, ChatRole.Assistant, answer, [], Now(),
            done.Reason == FinishReason.Length ? "length" : "stop", usage, timings);
        // Not cancellable: the answer is complete; dropping it now would lose a turn the caller has seen.
        await store.AppendTurnsAsync(Id, [user, assistant], CancellationToken.None);
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
}
