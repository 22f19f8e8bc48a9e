using System.Net.Http.Headers;
using System.Text;

namespace VLOrleans.Cli.Soak;

/// <summary>
/// Drives a running server with <see cref="SoakPlan.Turns"/> turns from <see cref="SoakPlan.Sessions"/> concurrent
/// workers, one session each (a worker whose conversation no longer fits the context starts a new one). Every turn is
/// bounded: the loop ends when the turn counter reaches the plan, and each request has a deadline.
/// </summary>
public sealed class SoakDriver(SoakPlan plan, SoakHttp http, SoakLedger ledger, IReadOnlyList<byte[]> images, Action<string> log)
{
    private readonly HashSet<string> _sessions = [];
    private int _issued;

    /// <summary>Every session the soak created (to compare with the store afterwards).</summary>
    public IReadOnlyCollection<string> Sessions
    {
        get
        {
            lock (_sessions) return [.. _sessions];
        }
    }

    /// <summary>The server's resident memory sampled through the run: (turns finished, bytes).</summary>
    public IReadOnlyList<(int Turns, long Bytes)> RssSamples
    {
        get
        {
            lock (_rss) return [.. _rss];
        }
    }

    private readonly List<(int Turns, long Bytes)> _rss = [];

    public async Task RunAsync(string model, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SampleRssAsync(done.Token);
        var workers = Enumerable.Range(0, plan.Sessions).Select(w => Task.Run(() => WorkerAsync(w, model, cancellationToken), cancellationToken));
        await Task.WhenAll(workers);
        await done.CancelAsync();
        await sampler;
    }

    /// <summary>Reads the server's resident memory twice a second until the run ends: one reading is a point on a GC
    /// sawtooth, so the growth check compares the peaks of windows instead (<see cref="SoakChecks"/>).</summary>
    private async Task SampleRssAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var turns = ledger.Turns;
                var bytes = await ResidentBytesAsync(http, cancellationToken);
                lock (_rss) _rss.Add((turns, bytes));
                await Task.Delay(500, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // a sample lost; the next one counts
            }
        }
    }

    private async Task<string> NewSessionAsync(int worker, CancellationToken cancellationToken)
    {
        var session = await http.CreateSessionAsync(cancellationToken);
        lock (_sessions) _sessions.Add(session);
        await http.UploadAsync(session, images[worker % images.Count], $"w{worker}.jpg", cancellationToken);
        return session;
    }

    private async Task WorkerAsync(int worker, string model, CancellationToken cancellationToken)
    {
        await using var hub = new SoakHub(http.Client.BaseAddress!, plan.ApiKey, ledger);
        var session = await NewSessionAsync(worker, cancellationToken);
        int turn;
        while ((turn = Interlocked.Increment(ref _issued)) <= plan.Turns)
        {
            var kind = SoakTurnKinds.Choose(plan.Seed, turn, plan.MalformedShare, plan.DisconnectShare);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(plan.TurnTimeout);
            string outcome;
            try
            {
                // Now and then a new photo: the vision path (and encodes shared between sessions) keeps running.
                if (turn % 7 == 0) await http.UploadAsync(session, images[turn % images.Count], $"t{turn}.jpg", deadline.Token);
                (outcome, var rotate) = await TurnAsync(kind, worker, turn, session, model, hub, deadline.Token);
                if (rotate) session = await NewSessionAsync(worker, cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = "timed_out";
                ledger.ServerError($"turn {turn} ({kind}) took longer than {plan.TurnTimeout.TotalSeconds:F0} s");
            }
            catch (HttpRequestException e)
            {
                outcome = "transport_error";
                ledger.ServerError($"turn {turn} ({kind}): {e.Message} {e.InnerException?.Message}");
            }
            var finished = ledger.TurnFinished($"{kind}: {outcome}");
            if (finished % 100 == 0) log($"{finished}/{plan.Turns} turns");
        }
    }

    /// <summary>One turn; the outcome to count, and whether the worker should move to a new session (its conversation
    /// outgrew the context).</summary>
    private async Task<(string Outcome, bool Rotate)> TurnAsync(SoakTurnKind kind, int worker, int turn, string session, string model, SoakHub hub, CancellationToken token)
    {
        var question = $"Turn {turn} from worker {worker}: what is in the photo?";
        var image = images[turn % images.Count];
        switch (kind)
        {
            case SoakTurnKind.RestPlain:
            {
                var (status, answer) = await http.AskAsync(session, question, plan.MaxTokens, token);
                if (answer is not null) ledger.Completion(session, question, answer);
                return (answer is not null ? "completed" : $"status {status}", status == 400);
            }
            case SoakTurnKind.RestStream or SoakTurnKind.DisconnectRestStream:
            {
                var leave = kind == SoakTurnKind.DisconnectRestStream;
                var (status, done, deltas, error) = await http.AskStreamingAsync(session, question, plan.MaxTokens, leave, token);
                if (done is not null)
                {
                    ledger.Completion(session, question, done);
                    if (done != deltas) return ("stream_mismatch", false);
                }
                if (error is not null) ledger.ServerError($"SSE error event {error} on turn {turn}");
                return (done is not null ? "completed" : leave && status == 200 ? "disconnected" : error ?? $"status {status}", status == 400);
            }
            case SoakTurnKind.SignalR or SoakTurnKind.DisconnectSignalR:
            {
                var leave = kind == SoakTurnKind.DisconnectSignalR;
                var (done, deltas, refusal) = await hub.AskAsync(session, question, plan.MaxTokens, leave, token);
                if (done is not null)
                {
                    ledger.Completion(session, question, done);
                    if (done != deltas) return ("stream_mismatch", false);
                }
                return (done is not null ? "completed" : refusal ?? (leave ? "disconnected" : "no_answer"), refusal == "context_length_exceeded");
            }
            case SoakTurnKind.OpenAiStream or SoakTurnKind.OpenAiPlain or SoakTurnKind.DisconnectOpenAiStream:
            {
                var stream = kind != SoakTurnKind.OpenAiPlain;
                var leave = kind == SoakTurnKind.DisconnectOpenAiStream;
                var (status, finished) = await http.OpenAiAsync(model, image, question, plan.MaxTokens, stream, leave, token);
                return (finished ? "completed" : leave && status == 200 ? "disconnected" : $"status {status}", false);
            }
            case SoakTurnKind.BadJson:
                return ($"status {await http.PostRawAsync($"/api/v1/sessions/{session}/messages", Raw("{\"text\": \"unterminated", "application/json"), "bad json", token)}", false);
            case SoakTurnKind.BadImage:
            {
                // A JPEG cut in half: the header promises more than the bytes hold.
                var cut = image[..(image.Length / 2)];
                return ($"status {await http.UploadAsync(session, cut, "cut.jpg", token, isMalformed: true)}", false);
            }
            case SoakTurnKind.OversizeBody:
            {
                var body = new ByteArrayContent(new byte[plan.MaxRequestBytes + 1]);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return ($"status {await http.PostRawAsync($"/api/v1/sessions/{session}/messages", body, "oversize body", token)}", false);
            }
            case SoakTurnKind.UnknownSession:
                return ($"status {await http.PostRawAsync("/api/v1/sessions/no-such-session/messages", Raw($"{{\"text\": \"{question}\"}}", "application/json"), "unknown session", token)}", false);
            case SoakTurnKind.ConcurrentTurns:
            {
                // Two questions at once on one session: one may be refused (409 session_busy); whichever is answered must be stored.
                var second = $"{question} (the concurrent one)";
                var both = await Task.WhenAll(http.AskAsync(session, question, plan.MaxTokens, token), http.AskAsync(session, second, plan.MaxTokens, token));
                if (both[0].Answer is { } a) ledger.Completion(session, question, a);
                if (both[1].Answer is { } b) ledger.Completion(session, second, b);
                return ($"status {both[0].Status}+{both[1].Status}", both.Any(r => r.Status == 400));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static StringContent Raw(string text, string mediaType) => new(text, Encoding.UTF8, mediaType);

    /// <summary>The server's resident memory as its status page reports it.</summary>
    public static async Task<long> ResidentBytesAsync(SoakHttp http, CancellationToken cancellationToken)
    {
        using var status = await http.StatusAsync(cancellationToken);
        return status.RootElement.GetProperty("memory").GetProperty("working_set_bytes").GetInt64();
    }
}
