using System.CommandLine;
using System.Diagnostics;
using System.Text;
using VLOrleans.Cli.Backends;
using VLOrleans.Cli.Batch;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl batch</c>: one question about every image of a folder or list (inspection photos → one answer per image), with
/// up to <c>--concurrency</c> images in flight. Results go to JSONL or CSV (by <c>--out</c>'s extension; JSONL on stdout
/// without it) in input order whatever order they finish in; an image that fails (unreadable, corrupt, refused) becomes
/// a row with its error code, not the end of the batch (with <c>--schema</c> every answer is JSON matching the schema,
/// written to JSONL as the parsed object), and a folder's file that is not sent (not an image extension)
/// becomes a row with error code <c>skipped</c> and the reason: every input file has a row. Progress and ETA, then a summary, go to stderr.
/// Exit code 0 when every image was answered (skipped files aside), 1 when some failed, 2 for a usage error. A failure that is not about one
/// image (server unreachable, API key refused, model not loadable) stops the batch with exit code 1.
/// </summary>
internal static class BatchCommand
{
    public static Command Create()
    {
        var backend = new BackendOptions(defaultMaxTokens: 256);
        var input = new Argument<string>("folder-or-list") { Description = "A folder of images, or a text file with one image path per line." };
        var question = new Option<string>("--question") { Description = "The question asked about each image.", Required = true };
        var output = new Option<string?>("--out") { Description = "Results file: .jsonl or .csv (default: JSONL on stdout)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Images in flight at once (1-64).", DefaultValueFactory = _ => 2 };
        var schema = new Option<string?>("--schema")
        {
            Description = "A JSON Schema file: every answer is JSON matching it (enforced while decoding), written as a parsed object per image.",
        };
        var command = new Command("batch", "Ask one question about every image of a folder or list; write one result per image (JSONL or CSV).")
        {
            input, question, output, concurrency, schema,
        };
        backend.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandFailures.RunAsync("batch", async () =>
        {
            var inFlight = parse.GetValue(concurrency);
            if (inFlight is < 1 or > 64) throw new VlCommandException("usage", "--concurrency must be between 1 and 64");
            var inputs = BatchInputs.From(parse.GetValue(input)!);
            if (inputs.All(i => i.SkipReason is not null))
            {
                throw new VlCommandException("usage", $"no images in '{parse.GetValue(input)}'" +
                    (inputs.Count > 0 ? $" ({inputs.Count} files, none named as an image)" : ""));
            }

            // The local engine gets one KV slot per image in flight, so they decode together in one batch.
            await using var answers = backend.CreateBackend(parse, slotCount: inFlight, deleteRemoteSessions: true);
            Console.Error.WriteLine($"{answers.Description}: {inputs.Count(i => i.SkipReason is null)} images, {inFlight} at a time");
            var text = parse.GetValue(question)!;
            var settings = backend.Settings(parse) with { Schema = BatchSchema.Load(parse.GetValue(schema)) };
            var rows = new BatchRow?[inputs.Count];
            var clock = Stopwatch.StartNew();
            await using (var writer = BatchResultWriter.Open(parse.GetValue(output)))
            {
                var nextToWrite = 0;
                await BatchProgress.RunAsync(inputs.Count, report => Parallel.ForEachAsync(Enumerable.Range(0, inputs.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = cancellationToken },
                    async (index, token) =>
                    {
                        var row = await AnswerOneAsync(answers, inputs[index], text, settings, token);
                        lock (rows)
                        {
                            // Rows are written in input order: each finished row waits for those before it.
                            rows[index] = row;
                            while (nextToWrite < rows.Length && rows[nextToWrite] is { } ready)
                            {
                                writer.Write(ready);
                                nextToWrite++;
                            }
                        }
                        report(row);
                    }));
            }
            Console.Error.WriteLine(Summary(rows!, clock.Elapsed, parse.GetValue(output)));
            return rows.All(r => r!.Ok || r.ErrorCode == SkippedCode) ? 0 : 1;
        }));
        return command;
    }

    /// <summary>Failures that are not about one image: every other image would fail the same way, so the batch stops
    /// (rows already written stay) instead of writing the same error N times.</summary>
    private static readonly HashSet<string> StopsTheBatch = new(StringComparer.Ordinal) { "usage", "connection_failed", "unauthorized", "model_load_failed" };

    /// <summary>The error code of a row for a file that was not sent.</summary>
    private const string SkippedCode = "skipped";

    private static async Task<BatchRow> AnswerOneAsync(IVlBackend answers, BatchInput input, string question, AnswerSettings settings, CancellationToken cancellationToken)
    {
        if (input.SkipReason is { } reason) return new BatchRow { File = input.Name, ErrorCode = SkippedCode, Error = reason };
        var clock = Stopwatch.StartNew();
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(input.Path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new BatchRow { File = input.Name, ErrorCode = "unreadable", Error = e.Message, Seconds = Seconds(clock) };
        }
        ImageSummary? image = null;
        try
        {
            await using var conversation = await answers.StartConversationAsync(null, cancellationToken);
            image = await conversation.AddImageAsync(bytes, Path.GetFileName(input.Path), cancellationToken);
            var answer = new StringBuilder();
            await foreach (var delta in conversation.AskAsync(question, settings, cancellationToken)) answer.Append(delta);
            var turn = conversation.LastTurn;
            return new BatchRow
            {
                File = input.Name,
                Answer = answer.ToString(),
                Parsed = settings.Schema is null ? null : BatchSchema.Parse(answer.ToString()),
                Width = image.Width,
                Height = image.Height,
                PromptTokens = turn?.PromptTokens,
                CompletionTokens = turn?.CompletionTokens,
                Seconds = Seconds(clock),
            };
        }
        catch (VlCommandException e) when (!StopsTheBatch.Contains(e.Code))
        {
            return new BatchRow { File = input.Name, ErrorCode = e.Code, Error = e.Message, Width = image?.Width, Height = image?.Height, Seconds = Seconds(clock) };
        }
    }

    private static double Seconds(Stopwatch clock) => Math.Round(clock.Elapsed.TotalSeconds, 3);

    private static string Summary(IReadOnlyList<BatchRow> rows, TimeSpan elapsed, string? output)
    {
        var skipped = rows.Where(r => r.ErrorCode == SkippedCode).ToList();
        var sent = rows.Count - skipped.Count;
        var failed = rows.Where(r => !r.Ok && r.ErrorCode != SkippedCode).ToList();
        var summary = new StringBuilder($"{sent} images: {sent - failed.Count} answered, {failed.Count} failed");
        if (failed.Count > 0)
            summary.Append(" (").AppendJoin(", ", failed.GroupBy(r => r.ErrorCode).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}")).Append(')');
        summary.Append($" in {elapsed.TotalSeconds:F1} s ({elapsed.TotalSeconds / Math.Max(sent, 1):F2} s per image)");
        if (skipped.Count > 0)
            summary.Append($"; {skipped.Count} {(skipped.Count == 1 ? "file" : "files")} not sent, not named as an image ({string.Join(", ", skipped.Select(r => r.File))})");
        if (output is not null) summary.Append($"; results in {output}");
        return summary.ToString();
    }
}
