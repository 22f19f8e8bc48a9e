using System.Diagnostics;
using System.Text.Json;

namespace VLOrleans.Silo.Tests.Bench;

/// <summary>
/// <c>vl bench --smoke</c> end to end, so the harness never rots: the built <c>vl</c> starts the real server three
/// times on the tiny model and drives it over HTTP/SSE. The report must show every configuration answering without
/// errors, and the switches doing what each configuration claims — caches and KV reuse only in (c) — read from
/// what the server reported per turn (vision_cache_hits/vision_encodes, cached_prompt_tokens), not from the harness's
/// own configuration. No timing is asserted.
/// </summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task SmokeRunReportsAllThreeConfigurationsWithCachesOnlyInTheFullServer()
    {
        var work = Directory.CreateTempSubdirectory("vlo-bench-smoke-").FullName;
        try
        {
            var json = Path.Combine(work, "report.json");
            var (exit, output) = await RunVlAsync(["bench", "--smoke", "--json", json, "--models", Path.Combine(work, "models")]);
            Assert.True(exit == 0, $"vl bench --smoke exited with {exit}:\n{output}");
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = report.RootElement;
            Assert.True(root.GetProperty("smoke").GetBoolean());

            var configs = root.GetProperty("configurations").EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!);
            Assert.Equal(["a", "b", "c"], configs.Keys.Order());
            foreach (var (key, c) in configs)
            {
                Assert.True(c.GetProperty("requests_completed").GetInt32() > 0, $"({key}) completed no request");
                Assert.Equal(0, c.GetProperty("errors").GetInt32());
                Assert.True(c.GetProperty("follow_ups_completed").GetInt32() > 0, $"({key}) completed no follow-up");
                Assert.True(c.GetProperty("ttft_follow_up_p50").GetDouble() > 0);
                Assert.True(c.GetProperty("ttft_new_image_p50").GetDouble() > 0);
                Assert.True(c.GetProperty("output_tokens").GetInt32() > 0);
                Assert.True(c.GetProperty("peak_rss_megabytes").GetDouble() > 0);
                // rates are the counts over the measured time
                var duration = c.GetProperty("duration_seconds").GetDouble();
                Assert.Equal(c.GetProperty("requests_completed").GetInt32() / duration, c.GetProperty("requests_per_second").GetDouble(), 6);
            }
            // (a) is one request at a time on fp32; (b) and (c) batch on int4
            Assert.Equal(1, configs["a"].GetProperty("slots").GetInt32());
            Assert.Equal("fp32", configs["a"].GetProperty("variant").GetString());
            Assert.Equal("int4", configs["c"].GetProperty("variant").GetString());

            // Caches off in (a) and (b): the server encoded every image of every turn and prefilled every prompt whole.
            foreach (var key in new[] { "a", "b" })
            {
                Assert.Equal(0.0, configs[key].GetProperty("vision_cache_hit_rate").GetDouble());
                Assert.Equal(0.0, configs[key].GetProperty("prompt_tokens_reused_share").GetDouble());
            }
            // The full server: follow-ups reuse the session's embeddings and its resident KV.
            Assert.True(configs["c"].GetProperty("vision_cache_hit_rate").GetDouble() > 0);
            Assert.True(configs["c"].GetProperty("prompt_tokens_reused_share").GetDouble() > 0);

            var ratios = root.GetProperty("ratios").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
            Assert.Equal(["c/a", "c/b"], ratios.Keys.Order());
            foreach (var (name, r) in ratios)
            {
                var baseline = configs[name[2..]];
                Assert.Equal(configs["c"].GetProperty("requests_per_second").GetDouble() / baseline.GetProperty("requests_per_second").GetDouble(),
                    r.GetProperty("requests_per_second").GetDouble(), 6);
            }
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Runs the built <c>vl</c> (client/Cli/bin/&lt;same configuration as this test&gt;/net10.0/vl.dll).</summary>
    internal static async Task<(int ExitCode, string Output)> RunVlAsync(IReadOnlyList<string> arguments)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "VLOrleans.sln"))) root = root.Parent;
        Assert.True(root is not null, "repository root (VLOrleans.sln) not found above the test's folder");
        var vl = Path.Combine(root!.FullName, "client", "Cli", "bin", configuration, "net10.0", "vl.dll");
        Assert.True(File.Exists(vl), $"{vl} is not built (dotnet build VLOrleans.sln -c {configuration})");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(vl);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vl {string.Join(' ', arguments)} did not finish in 5 minutes:\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
