using System.Globalization;
using System.Text;

namespace VLOrleans.Cli.Soak;

/// <summary>
/// What must hold after a soak: no slot held and nothing queued once the clients are gone, no 5xx (nor a SignalR
/// fault, a hang or a broken connection), every turn a client saw completed stored with the text it saw, and the
/// server's resident memory grown less than the allowed share since the baseline turn.
/// </summary>
public sealed record SoakChecks(
    int SlotsActive, int QueueWaiting, int ServerErrors, int CompletedTurns, int MissingTurns, int SessionsChecked,
    long BaselineRssBytes, long EndRssBytes, double MaxRssGrowth, int Answered, int AnsweredAttempts, IReadOnlyList<string> Problems)
{
    public double RssGrowth => BaselineRssBytes > 0 ? (double)(EndRssBytes - BaselineRssBytes) / BaselineRssBytes : double.NaN;

    public bool SlotsFree => SlotsActive == 0 && QueueWaiting == 0;

    public bool NoServerErrors => ServerErrors == 0;

    public bool AllStored => MissingTurns == 0;

    public bool MemoryFlat => BaselineRssBytes > 0 && RssGrowth < MaxRssGrowth;

    /// <summary>Most answerable turns were answered: a soak in which everything is refused proves nothing.</summary>
    public bool MostlyAnswered => AnsweredAttempts > 0 && Answered * 2 >= AnsweredAttempts;

    public bool Passed => SlotsFree && NoServerErrors && AllStored && MemoryFlat && MostlyAnswered;

    /// <summary>Waits (bounded) for the server to settle, then compares what the clients saw with what it stored.</summary>
    public static async Task<SoakChecks> RunAsync(SoakPlan plan, SoakHttp http, SoakLedger ledger, SoakDriver driver, CancellationToken cancellationToken)
    {
        // Cancelled streams free their slots within a loop step; give them a few seconds, no more.
        int active = -1, waiting = -1;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            using var status = await http.StatusAsync(cancellationToken);
            active = status.RootElement.GetProperty("slots").GetProperty("active").GetInt32();
            waiting = status.RootElement.GetProperty("queue").GetProperty("waiting").GetInt32();
            if (active == 0 && waiting == 0) break;
            await Task.Delay(250, cancellationToken);
        }

        var problems = new List<string>();
        var missing = 0;
        var bySession = ledger.Completed.GroupBy(c => c.SessionId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var session in driver.Sessions)
        {
            var stored = await http.StoredTurnsAsync(session, cancellationToken);
            foreach (var seen in bySession.GetValueOrDefault(session, []))
            {
                if (stored.Contains((seen.Question, seen.Answer))) continue;
                missing++;
                if (problems.Count < 10) problems.Add($"session {session}: the answered turn \"{seen.Question}\" is not stored as the client saw it");
            }
        }
        // Resident memory: the peak over the window after the baseline turn against the peak over the last window and
        // the settled end (peaks, because single readings land anywhere on the GC's sawtooth).
        var samples = driver.RssSamples.Append((Turns: ledger.Turns, Bytes: await SoakDriver.ResidentBytesAsync(http, cancellationToken))).ToList();
        var baseline = samples.Where(s => s.Turns >= plan.BaselineTurns && s.Turns < plan.BaselineTurns + plan.RssWindowTurns).Select(s => s.Bytes)
            .DefaultIfEmpty(samples.FirstOrDefault(s => s.Turns >= plan.BaselineTurns).Bytes).Max();
        var end = samples.Where(s => s.Turns >= ledger.Turns - plan.RssWindowTurns).Select(s => s.Bytes).Max();
        var answeredKinds = ledger.Outcomes.Where(o => !o.Key.StartsWith("Disconnect", StringComparison.Ordinal) && IsAnswerKind(o.Key)).ToList();
        var answered = answeredKinds.Where(o => o.Key.EndsWith(": completed", StringComparison.Ordinal)).Sum(o => o.Value);
        var mismatches = ledger.Outcomes.Where(o => o.Key.EndsWith("stream_mismatch", StringComparison.Ordinal)).Sum(o => o.Value);
        if (mismatches > 0) problems.Add($"{mismatches} streamed answers whose deltas differ from the stored turn");
        problems.AddRange(ledger.ServerErrors.Take(10));
        return new SoakChecks(active, waiting, ledger.ServerErrors.Count + mismatches, ledger.Completed.Count, missing, driver.Sessions.Count,
            baseline, end, plan.MaxRssGrowth, answered, answeredKinds.Sum(o => o.Value), problems);
    }

    private static bool IsAnswerKind(string outcome) =>
        Enum.TryParse<SoakTurnKind>(outcome.Split(':')[0], out var kind) && !kind.IsMalformed() && !kind.IsDisconnect();

    public string Report(SoakPlan plan, SoakLedger ledger, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"soak: {ledger.Turns} turns over {plan.Sessions} concurrent sessions ({SessionsChecked} sessions in all) in {elapsed.TotalSeconds:F0} s");
        foreach (var (outcome, count) in ledger.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal)) text.AppendLine(inv, $"  {count,5}  {outcome}");
        text.AppendLine(inv, $"  HTTP statuses: {string.Join(", ", ledger.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        text.AppendLine(inv, $"[{Mark(SlotsFree)}] slots held {SlotsActive}, queue {QueueWaiting}");
        text.AppendLine(inv, $"[{Mark(NoServerErrors)}] server errors (5xx, hub faults, hangs, broken streams): {ServerErrors}");
        text.AppendLine(inv, $"[{Mark(AllStored)}] turns seen completed: {CompletedTurns}, missing from the store: {MissingTurns}");
        text.AppendLine(inv, $"[{Mark(MemoryFlat)}] server RSS peak over turns {plan.BaselineTurns}–{plan.BaselineTurns + plan.RssWindowTurns} {BaselineRssBytes / 1048576.0:F1} MiB, over the last {plan.RssWindowTurns} turns {EndRssBytes / 1048576.0:F1} MiB: {RssGrowth * 100:+0.0;-0.0}% (limit {MaxRssGrowth * 100:F0}%)");
        text.AppendLine(inv, $"[{Mark(MostlyAnswered)}] answerable turns answered: {Answered} of {AnsweredAttempts}");
        foreach (var problem in Problems) text.AppendLine(inv, $"  ! {problem}");
        text.Append(Passed ? "soak passed" : "soak FAILED");
        return text.ToString();
    }

    private static string Mark(bool ok) => ok ? "ok" : "FAIL";
}
