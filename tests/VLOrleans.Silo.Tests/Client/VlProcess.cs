using System.Diagnostics;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>Runs the built `vl` command line (vl.dll beside the tests) as a user would, with stdin fed and both outputs captured.</summary>
internal static class VlProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vl.dll"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // The tests name their server explicitly; a developer's own settings must not leak in.
        info.Environment.Remove("VL_SERVER");
        info.Environment.Remove("VL_API_KEY");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start vl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vl {string.Join(' ', arguments)} did not finish:\n{await stderr}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
