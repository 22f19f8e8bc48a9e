using System.Diagnostics;
using Spectre.Console;

namespace VLOrleans.Cli;

/// <summary>One report of a long piece of work: what it is at, 0..1 done, and the counts worth showing.</summary>
internal readonly record struct WorkStatus(string Step, double Fraction, string Detail);

/// <summary>
/// Shows a long synchronous job (<c>vl convert</c>, <c>vl make-tiny-model</c>: seconds for the tiny model, minutes for
/// the 2b preset or an 8B checkpoint) on stdout: a Spectre.Console bar with the step, counts, elapsed time and ETA on a
/// terminal; plain lines when stdout is a file or a pipe — one per step and one per further 10 % done, each with its
/// ETA — so logs and tests get a few readable lines and no control codes.
/// </summary>
internal static class WorkProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports through the sink it is given (from any thread).</summary>
    public static T Run<T>(string prefix, Func<Action<WorkStatus>, T> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive) return RunPlain(prefix, work);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(prefix, maxValue: 1000);
                result = work(status =>
                {
                    task.Description = Markup.Escape($"{prefix}: {status.Step} · {status.Detail}");
                    task.Value = Math.Round(status.Fraction * 1000);
                });
                task.Value = 1000;
            });
        return result;
    }

    private static T RunPlain<T>(string prefix, Func<Action<WorkStatus>, T> work)
    {
        var clock = Stopwatch.StartNew();
        var gate = new object();
        var (lastStep, lastTenth) = ("", -1);
        return work(status =>
        {
            lock (gate)
            {
                var tenth = (int)Math.Floor(status.Fraction * 10);
                if (status.Step == lastStep && tenth <= lastTenth) return;
                (lastStep, lastTenth) = (status.Step, tenth);
                Console.WriteLine($"{prefix}: {status.Step} {status.Fraction:P0} ({status.Detail}, {Eta(clock.Elapsed, status.Fraction)})");
            }
        });
    }

    /// <summary>Time left at the pace so far ("ETA 00:01:05"), or "ETA unknown" before anything is done.</summary>
    public static string Eta(TimeSpan elapsed, double fraction) =>
        fraction is <= 0.001 or > 1 ? "ETA unknown" : $"ETA {TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / fraction):hh\\:mm\\:ss}";

    /// <summary>Bytes for people: 532.1 MB, 4.30 GB.</summary>
    public static string Bytes(long bytes) => bytes >= 1_000_000_000 ? $"{bytes / 1e9:F2} GB" : $"{bytes / 1e6:F1} MB";
}

/// <summary>An <see cref="IProgress{T}"/> that calls its handler on the reporting thread, in order (the BCL's
/// <see cref="Progress{T}"/> posts to the thread pool, so reports could arrive late and out of order).</summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
