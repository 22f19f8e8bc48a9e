using System.Diagnostics;

namespace VLOrleans.Silo.Tests.Durability;

/// <summary>Runs a host tool (mount, nsenter, strace) and returns its exit code and output; the disk tests need root.</summary>
internal static class HostCommand
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1)) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Runs the command and fails the test, with its output, unless it succeeds.</summary>
    public static async Task<string> MustRunAsync(params string[] command)
    {
        var (code, output) = await RunAsync(command);
        Assert.True(code == 0, $"`{string.Join(' ', command)}` exited with {code} (these tests need root, unshare and nsenter): {output}");
        return output;
    }

    /// <summary>A launcher for <see cref="ServerProcess"/>: a private mount namespace (<c>unshare -m</c>) in which each of
    /// <paramref name="folders"/> is bind-mounted onto itself — read-only when <paramref name="readOnly"/> — before the
    /// server starts in <paramref name="workingDirectory"/>. The host's mounts are never touched.</summary>
    public static IReadOnlyList<string> PrivateMounts(bool readOnly, string workingDirectory, params string[] folders)
    {
        var script = string.Concat(folders.Select((_, i) =>
            $"mount --bind \"${i + 2}\" \"${i + 2}\" && " + (readOnly ? $"mount -o remount,bind,ro \"${i + 2}\" && " : "")));
        script += "cd \"$1\" && shift " + (folders.Length + 1) + " && exec \"$@\"";
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", workingDirectory, .. folders];
    }
}
