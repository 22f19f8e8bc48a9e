using System.Text;
using Orleans.Concurrency;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Grains.Sessions;

namespace VLOrleans.Grains.Inference;

/// <summary>
/// One-shot questions through the silo's engine: <c>/api/v1/chat</c> (here) and <c>/v1/chat/completions</c>
/// (<c>OneShotGrain.Completion.cs</c>). A <c>[StatelessWorker(1)]</c> rather than a short-lived grain per
/// request: it has no state to guard, so it needs no directory entry, no placement and no activation per request; it
/// always runs on the silo that received the call, next to that silo's engine (an image's embeddings never travel);
/// and one reentrant activation per silo lets any number of one-shots wait on the engine at once, where the engine's
/// worker batches them. (A one-shot has no session, so it keeps no KV after its answer.)
/// Idle workers are not removed (<c>removeIdleWorkers: false</c>): a streamed completion keeps its enumeration's state
/// in this activation, and Orleans' idle-worker removal would drop it between two steps (the next step then fails with
/// EnumerationAbortedException); ordinary idle collection still applies, held off while a completion streams.
/// </summary>
[StatelessWorker(1, removeIdleWorkers: false)]
[Reentrant]
internal sealed partial class OneShotGrain(InferenceGrain inference) : Grain, IOneShotGrain
{
    async Task<OneShotResult> IOneShotGrain.AskAsync(OneShotRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var engine = inference.Engine;
            PreparedImage[] images = request.Image is null ? [] : [await engine.PrepareImageAsync(request.Image, cancellationToken)];
            var (messages, prepared) = ConversationPrompt.Build([new ConversationTurn(request.Question, images)]);
            var stream = engine.Ask(messages, prepared, ConversationPrompt.Settings(engine.Defaults, request.MaxTokens), sessionKey: null, cancellationToken);
            var text = new StringBuilder();
            await foreach (var e in stream.ReadAllAsync(cancellationToken))
            {
                if (e is TokenGenerated token) text.Append(token.TextDelta);
                else if (e is GenerationCompleted done)
                    return new OneShotResult(text.ToString(), done.Reason == FinishReason.Length ? "length" : "stop");
            }
            throw new OperationCanceledException("the generation ended without a completion", cancellationToken);
        }
        catch (Exception e) when (SessionProblems.AtBoundary(e) is { } problem)
        {
            throw problem;
        }
    }
}
