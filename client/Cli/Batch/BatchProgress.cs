using System.Diagnostics;
using Spectre.Console;

namespace VLOrleans.Cli.Batch;

/// <summary>
/// Shows a batch's progress on stderr (stdout may carry the results): a Spectre.Console bar with elapsed time and ETA on
/// a terminal, or one plain line per finished image (with the ETA) when stderr is redirected to a file or a pipe.
/// </summary>
internal static class BatchProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports each finished row through the callback it is given
    /// (thread-safe; rows may finish in any order).</summary>
    public static async Task RunAsync(int total, Func<Action<BatchRow>, Task> work)
    {
        if (Console.IsErrorRedirected)
        {
            var clock = Stopwatch.StartNew();
            var done = 0;
            var gate = new object();
            await work(row =>
            {
                lock (gate)
                {
                    done++;
                    var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (total - done));
                    Console.Error.WriteLine($"[{done}/{total}] {row.File}: {(row.Ok ? "ok" : row.ErrorCode)} in {row.Seconds:F1} s, ETA {eta:hh\\:mm\\:ss}");
                }
            }).ConfigureAwait(false);
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"{total} images", maxValue: Math.Max(total, 1));
                var failed = 0;
                await work(row =>
                {
                    if (!row.Ok) Interlocked.Increment(ref failed);
                    task.Description = failed == 0 ? $"{total} images" : $"{total} images, {Volatile.Read(ref failed)} failed";
                    task.Increment(1);
                }).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }
}
