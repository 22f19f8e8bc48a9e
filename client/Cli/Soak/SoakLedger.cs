using System.Collections.Concurrent;

namespace VLOrleans.Cli.Soak;

/// <summary>
/// What the soak's clients saw, written from every worker at once: each HTTP status (and each SignalR error's problem
/// code), every turn a client saw completed (to compare with the store afterwards), and the counts by turn kind.
/// </summary>
public sealed class SoakLedger
{
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<CompletedTurn> _completed = [];
    private readonly ConcurrentBag<string> _serverErrors = [];
    private int _turns;

    /// <summary>One answered session turn as the client saw it: the question it sent and the answer text it received.</summary>
    public sealed record CompletedTurn(string SessionId, string Question, string Answer);

    /// <summary>Turns finished so far (every kind, malformed ones included).</summary>
    public int Turns => Volatile.Read(ref _turns);

    public IReadOnlyDictionary<int, int> Statuses => _statuses;

    public IReadOnlyDictionary<string, int> Outcomes => _outcomes;

    public IReadOnlyCollection<CompletedTurn> Completed => _completed;

    /// <summary>5xx responses (and SignalR errors that are not a known problem), with what the server said.</summary>
    public IReadOnlyCollection<string> ServerErrors => _serverErrors;

    public int TurnFinished(string outcome)
    {
        _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        return Interlocked.Increment(ref _turns);
    }

    public void Status(int status, string what)
    {
        _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status >= 500) _serverErrors.Add($"{status} {what}");
    }

    public void ServerError(string what) => _serverErrors.Add(what);

    public void Completion(string sessionId, string question, string answer) => _completed.Add(new CompletedTurn(sessionId, question, answer));
}
