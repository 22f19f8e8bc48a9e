using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// Drives a running server over its session API, as users would: each of <c>concurrency</c> workers takes the next
/// conversation of the workload, creates a session, and asks its turns one after the other (upload the turn's new
/// images, then POST the question with <c>"stream": true</c> and read the Server-Sent Events), without think time.
/// Workers stop taking turns at the deadline (but not before <see cref="Limits.MinRequests"/> turns finished, so a
/// slow configuration still yields figures) or when the conversation limit is reached; turns already running then
/// get the drain time to finish, after which they are cancelled and counted in <see cref="Run.CancelledAtDrain"/>.
/// </summary>
public sealed class SessionLoadDriver
{
    private readonly HttpClient _http;
    private readonly Workload _workload;
    private readonly BenchImages _images;

    public SessionLoadDriver(Uri server, Workload workload, BenchImages images)
    {
        // One connection per session at most; no proxy, no pooling limits that would queue requests in the client.
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, UseProxy = false })
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _workload = workload;
        _images = images;
    }

    /// <summary>Limits of one measurement.</summary>
    public sealed record Limits(int Concurrency, int MaxConversations, int MinRequests, TimeSpan Duration, TimeSpan Drain);

    /// <summary>The measured turns, the wall time from the start to the last counted completion, and the turns still
    /// running when the drain time ran out (cancelled, not in <see cref="Turns"/>).</summary>
    public sealed record Run(IReadOnlyList<TurnResult> Turns, double ElapsedSeconds, int CancelledAtDrain);

    /// <summary>A short conversation (new image, then a follow-up) whose time is not measured: loads the graphs' code
    /// paths, thread pools and connection before the clock starts.</summary>
    public async Task WarmUpAsync(ImagePlan image, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var session = await CreateSessionAsync(cancellationToken);
        var first = await AskTurnAsync(session, -1, 0, new TurnPlan(RequestKind.ShortDescription, "Describe this image briefly.", 4, [image]), clock, cancellationToken);
        var second = await AskTurnAsync(session, -1, 1, new TurnPlan(RequestKind.ShortDescription, "And the colours?", 4, []), clock, cancellationToken);
        if ((first.Error ?? second.Error) is { } error) throw new InvalidOperationException($"warm-up failed: {error}");
    }

    public async Task<Run> RunAsync(Limits limits, CancellationToken cancellationToken)
    {
        var results = new List<TurnResult>();
        var clock = Stopwatch.StartNew();
        var nextConversation = -1;
        var finished = 0; // turns answered or failed
        var cancelledAtDrain = 0;
        var stopIssuing = false;
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var workersDone = new CancellationTokenSource();

        // The deadline: no new turn once the duration is over and enough turns completed; then the drain time.
        var monitor = Task.Run(async () =>
        {
            try
            {
                while (!Volatile.Read(ref stopIssuing))
                {
                    if (clock.Elapsed >= limits.Duration && Volatile.Read(ref finished) >= limits.MinRequests) Volatile.Write(ref stopIssuing, true);
                    else await Task.Delay(100, workersDone.Token);
                }
                drain.CancelAfter(limits.Drain);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        async Task Worker()
        {
            while (true)
            {
                var index = Interlocked.Increment(ref nextConversation);
                if (index >= limits.MaxConversations || Volatile.Read(ref stopIssuing)) return;
                var plan = _workload.Conversation(index);
                string session;
                try
                {
                    session = await CreateSessionAsync(drain.Token);
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
                {
                    lock (results) results.Add(TurnResult.Failed(index, 0, plan.Turns[0].Kind, 0, clock.Elapsed.TotalSeconds, 0, "create session: " + e.Message));
                    continue;
                }
                catch (OperationCanceledException) when (drain.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                for (var t = 0; t < plan.Turns.Count; t++)
                {
                    if (Volatile.Read(ref stopIssuing)) return;
                    TurnResult result;
                    try
                    {
                        result = await AskTurnAsync(session, index, t, plan.Turns[t], clock, drain.Token);
                    }
                    catch (OperationCanceledException) when (drain.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref cancelledAtDrain); // still running when the drain time ran out: not counted
                        return;
                    }
                    lock (results) results.Add(result);
                    Interlocked.Increment(ref finished);
                    if (!result.Succeeded) break; // the session's state is unknown after a failure; take the next conversation
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, limits.Concurrency).Select(_ => Task.Run(Worker, CancellationToken.None)));
        await workersDone.CancelAsync();
        await monitor;
        cancellationToken.ThrowIfCancellationRequested();
        var elapsed = results.Count == 0 ? clock.Elapsed.TotalSeconds : results.Max(r => r.StartedAt + r.EndToEnd);
        return new Run([.. results.OrderBy(r => r.StartedAt)], elapsed, cancelledAtDrain);
    }

    private async Task<string> CreateSessionAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync("/api/v1/sessions", content: null, cancellationToken);
        await EnsureSuccessAsync(response, "create session", cancellationToken);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body?["id"]?.GetValue<string>() ?? throw new InvalidOperationException("create session: no id in the response");
    }

    /// <summary>One turn: its uploads, then the streamed question. Failures become a result with <see cref="TurnResult.Error"/>.</summary>
    private async Task<TurnResult> AskTurnAsync(string session, int conversation, int turn, TurnPlan plan, Stopwatch clock, CancellationToken cancellationToken)
    {
        var startedAt = clock.Elapsed.TotalSeconds;
        var watch = Stopwatch.StartNew();
        try
        {
            foreach (var image in plan.NewImages)
            {
                using var content = new ByteArrayContent(_images.Jpeg(image));
                content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                using var upload = await _http.PostAsync($"/api/v1/sessions/{session}/images", content, cancellationToken);
                await EnsureSuccessAsync(upload, "upload", cancellationToken);
            }
            var question = JsonSerializer.Serialize(new { text = plan.Question, max_tokens = plan.MaxTokens, temperature = 0, ignore_eos = true, stream = true });
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{session}/messages")
            {
                Content = new StringContent(question, Encoding.UTF8, "application/json"),
            };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await EnsureSuccessAsync(response, "ask", cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            double ttft = double.NaN;
            string? eventName = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    eventName = line[6..].Trim();
                    continue;
                }
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                switch (eventName)
                {
                    case "delta":
                        if (double.IsNaN(ttft)) ttft = watch.Elapsed.TotalSeconds;
                        break;
                    case "done":
                        var done = JsonNode.Parse(line[5..])?["turn"];
                        var usage = done?["usage"];
                        var timings = done?["timings"];
                        return new TurnResult(conversation, turn, plan.Kind, plan.NewImages.Count, startedAt, ttft, watch.Elapsed.TotalSeconds,
                            Int(usage, "prompt_tokens"), Int(usage, "cached_prompt_tokens"), Int(usage, "completion_tokens"),
                            Int(timings, "vision_cache_hits"), Int(timings, "vision_encodes"), null);
                    case "error":
                        return TurnResult.Failed(conversation, turn, plan.Kind, plan.NewImages.Count, startedAt, watch.Elapsed.TotalSeconds, "ask: " + line[5..].Trim());
                }
            }
            return TurnResult.Failed(conversation, turn, plan.Kind, plan.NewImages.Count, startedAt, watch.Elapsed.TotalSeconds, "ask: the stream ended without a done event");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException or JsonException)
        {
            return TurnResult.Failed(conversation, turn, plan.Kind, plan.NewImages.Count, startedAt, watch.Elapsed.TotalSeconds, e.Message);
        }
    }

    private static int Int(JsonNode? node, string name) => node?[name]?.GetValue<int>() ?? 0;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
    }
}
