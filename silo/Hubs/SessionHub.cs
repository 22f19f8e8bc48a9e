using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using VLOrleans.Contracts;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Security;

namespace VLOrleans.Silo.Hubs;

/// <summary>
/// The chat hub (<c>/hubs/chat</c>) for browsers: create or resume a session, and ask with the answer streamed back
/// (<see cref="AskStreamItem"/>s: <c>delta</c> items, then one <c>done</c> item with the stored turn, its usage and
/// timings). Cancelling the stream (CancelInvocation) cancels the generation and frees its slot. Images are uploaded
/// over HTTP first (<c>POST /api/v1/sessions/{id}/images</c>): hub messages are meant to be small. The caller's owner
/// comes from the connection's HTTP request (the API key middleware covers /hubs). Errors reach the client as
/// hub errors whose message carries the problem code (<c>HubException: session_busy: …</c>).
/// </summary>
public sealed class SessionHub(ISessionDirectory sessions, ApiKeys keys) : Hub
{
    /// <summary>Creates a session owned by the caller; returns its id.</summary>
    public async Task<string> CreateSession()
    {
        var session = await Guard(() => sessions.CreateAsync(Owner(), Context.ConnectionAborted));
        return session.Id;
    }

    /// <summary>The caller's session with its turns and images.</summary>
    public async Task<SessionView> ResumeSession(string sessionId) =>
        await Guard(async () => await (await sessions.GetAsync(sessionId, Owner(), Context.ConnectionAborted)).GetAsync(Context.ConnectionAborted));

    /// <summary>Asks a question; streams the answer.</summary>
    public async IAsyncEnumerable<AskStreamItem> Ask(string sessionId, AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var session = await Guard(() => sessions.GetAsync(sessionId, Owner(), cancellationToken));
        await using var events = session.AskAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var hasNext = await Guard(async () => await events.MoveNextAsync());
            if (!hasNext) yield break;
            yield return events.Current switch
            {
                AskDelta delta => new AskStreamItem("delta", delta.Text, null),
                AskCompleted done => new AskStreamItem("done", null, done.Turn),
                var other => throw new InvalidOperationException($"unexpected event {other}"),
            };
        }
    }

    private string Owner() =>
        (Context.GetHttpContext() is { } http ? keys.OwnerOf(http) : null) ?? throw new HubException($"{ProblemCodes.Unauthorized}: no valid API key");

    /// <summary>Known failures become <see cref="HubException"/>s (whose message SignalR sends to the client) prefixed with the problem code.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is not OperationCanceledException && ProblemMapping.Classify(e) is { } problem)
        {
            throw new HubException($"{problem.Code}: {e.Message}");
        }
    }
}
