using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using VLOrleans.Contracts;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Logging;
using VLOrleans.Silo.Security;

namespace VLOrleans.Silo.Hubs;

/// <summary>
/// The chat hub (<c>/hubs/chat</c>) for browsers: create or resume a session, and ask with the answer streamed back —
/// the session grain's own <see cref="AskEvent"/>s (<c>{"type":"delta","text":…}</c> items, then one
/// <c>{"type":"done","turn":…}</c> with the stored turn, its usage and timings), the same shape SSE sends. Cancelling
/// the stream (CancelInvocation) disposes the grain's enumeration, which cancels the generation and frees its slot.
/// Images are uploaded over HTTP first (<c>POST /api/v1/sessions/{id}/images</c>): hub messages are meant to be
/// small. The caller's owner comes from the connection's HTTP request (the API key middleware covers /hubs). Errors
/// reach the client as hub errors whose message carries the problem code (<c>HubException: session_busy: …</c>).
/// </summary>
public sealed partial class SessionHub(IGrainFactory grains, ApiKeys keys, ILoggerFactory loggers) : Hub
{
    // Hub calls ride one long-lived connection, so the per-request log line never sees their refusals: each gets a
    // line of its own in the same category, at the level an HTTP refusal (4xx) or failure (5xx) would have.
    private readonly ILogger _log = loggers.CreateLogger(RequestLogMiddleware.CategoryName);

    /// <summary>Creates a session owned by the caller; returns its id.</summary>
    public async Task<string> CreateSession()
    {
        var id = SessionIds.New();
        await Guard(nameof(CreateSession), id, async () =>
        {
            await grains.GetGrain<IChatSessionGrain>(id).CreateAsync(Owner(), Context.ConnectionAborted);
            return id;
        });
        return id;
    }

    /// <summary>The caller's session with its turns and images.</summary>
    public async Task<SessionView> ResumeSession(string sessionId) =>
        await Guard(nameof(ResumeSession), sessionId, () => Session(sessionId).GetAsync(Owner(), Context.ConnectionAborted));

    /// <summary>Asks a question; streams the answer.</summary>
    public async IAsyncEnumerable<AskEvent> Ask(string sessionId, AskRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var session = await Guard(nameof(Ask), sessionId, () => Task.FromResult(Session(sessionId)));
        await using var events = session.AskAsync(Owner(), request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var hasNext = await Guard(nameof(Ask), sessionId, async () => await events.MoveNextAsync());
            if (!hasNext) yield break;
            if (events.Current is AskAccepted) continue; // the server's own marker (AskAccepted), not for clients
            yield return events.Current;
        }
    }

    private IChatSessionGrain Session(string sessionId) =>
        SessionIds.IsValid(sessionId) ? grains.GetGrain<IChatSessionGrain>(sessionId) : throw new SessionNotFoundException(sessionId);

    private string Owner() =>
        (Context.GetHttpContext() is { } http ? keys.OwnerOf(http) : null) ?? throw new HubException($"{ProblemCodes.Unauthorized}: no valid API key");

    /// <summary>Known failures become <see cref="HubException"/>s (whose message SignalR sends to the client) prefixed
    /// with the problem code, each logged once with the hub method, the session and the code.</summary>
    private async Task<T> Guard<T>(string method, string sessionId, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is not OperationCanceledException && ProblemMapping.Classify(e) is { } problem)
        {
            LogRefusal(_log, problem.Status >= 500 ? LogLevel.Error : LogLevel.Warning, method, problem.Status, sessionId, problem.Code);
            throw new HubException($"{problem.Code}: {e.Message}");
        }
    }

    [LoggerMessage(Message = "HUB {Method} refused with {Status} (session {SessionId}, problem {ProblemCode})")]
    private static partial void LogRefusal(ILogger logger, LogLevel level, string method, int status, string sessionId, string problemCode);
}
