using System.Text.Json;
using VLOrleans.Contracts;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Streaming;

/// <summary>
/// A session answer as SSE frames: <c>delta</c> events, then one <c>done</c> with the stored turn — or one <c>error</c>
/// event when the answer fails after the response started (the status is sent by then). A store that cannot save a
/// fully streamed answer ends the stream with <c>error</c> <c>store_unavailable</c> (retryable), never a clean end, so
/// the client knows the turn was not kept. The grain's <see cref="AskAccepted"/> marker is not sent.
/// </summary>
public static class SessionSse
{
    /// <summary>Owns <paramref name="events"/> and disposes it (which ends the grain's turn if it still runs).</summary>
    public static async IAsyncEnumerable<SseFrame> FramesAsync(IAsyncEnumerator<AskEvent> events, JsonSerializerOptions json)
    {
        await using var _ = events;
        while (true)
        {
            AskFailed? failure = null;
            bool hasNext;
            try
            {
                hasNext = await events.MoveNextAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException && ProblemMapping.Classify(e) is { } problem)
            {
                failure = new AskFailed(problem.Code, e.Message, ProblemMapping.IsRetryable(problem.Status, problem.Code));
                hasNext = false;
            }
            if (failure is not null)
            {
                yield return Frame(failure, json);
                yield break;
            }
            if (!hasNext) yield break;
            if (events.Current is AskAccepted) continue;
            yield return Frame(events.Current, json);
        }
    }

    /// <summary>The event under its <c>type</c> name, serialised as its runtime type (the same JSON the hub sends).</summary>
    public static SseFrame Frame(AskEvent e, JsonSerializerOptions json) => new(e.Type, JsonSerializer.Serialize(e, e.GetType(), json));
}
