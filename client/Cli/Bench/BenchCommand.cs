using System.CommandLine;
using System.Diagnostics;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// <c>vl bench</c>: the server measured over its real API from this separate process, in three configurations on the
/// same machine with the same requests — (a) one request at a time, fp32, no caches, no KV reuse (the seeds' way);
/// (b) continuous batching without the embedding cache and KV reuse; (c) the full server — then the ratios (c)/(a)
/// and (c)/(b). Each configuration gets a fresh server process (its peak RSS is read from /proc) and a warm-up turn
/// that is not measured. <c>--smoke</c> runs the same on the tiny model in well under a minute (make test runs it);
/// <c>--floors</c> only measures memory bandwidth and matrix throughput.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model: tiny, 2b or 4b (real Qwen3-VL shapes, random weights).", DefaultValueFactory = _ => "2b" };
        var smoke = new Option<bool>("--smoke") { Description = "Tiny model, a few short conversations: checks the harness end to end in under a minute." };
        var floors = new Option<bool>("--floors") { Description = "Only measure memory bandwidth and matrix throughput (the page's floors)." };
        var sessions = new Option<int>("--sessions") { Description = "Concurrent sessions (and KV slots) for (b) and (c).", DefaultValueFactory = _ => 8 };
        var duration = new Option<int>("--duration") { Description = "Seconds of measurement per configuration (b) and (c); turns running at the end finish.", DefaultValueFactory = _ => 180 };
        var durationA = new Option<int>("--duration-a") { Description = "Seconds of measurement for (a), which is slow on few cores.", DefaultValueFactory = _ => 180 };
        var conversations = new Option<int>("--conversations") { Description = "At most this many conversations per configuration (count bound).", DefaultValueFactory = _ => 1000 };
        var conversationsA = new Option<int>("--conversations-a") { Description = "At most this many conversations for (a).", DefaultValueFactory = _ => 1000 };
        var minRequests = new Option<int>("--min-requests") { Description = "Keep a configuration running past its duration until this many turns completed.", DefaultValueFactory = _ => 3 };
        var drain = new Option<int>("--drain") { Description = "Seconds turns running at the deadline may take to finish (then cancelled, not counted).", DefaultValueFactory = _ => 120 };
        var seed = new Option<int>("--seed") { Description = "Workload seed (same seed = same conversations, images and questions).", DefaultValueFactory = _ => 1 };
        var configs = new Option<string>("--configs") { Description = "Which configurations to run, e.g. abc or c.", DefaultValueFactory = _ => "abc" };
        var variant = new Option<string>("--variant") { Description = "Weights of (b) and (c).", DefaultValueFactory = _ => "int4" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads of the server's sessions (0 = one per core).", DefaultValueFactory = _ => 0 };
        var maxSequence = new Option<int>("--max-sequence") { Description = "Tokens per KV slot (prompt + answer).", DefaultValueFactory = _ => 4096 };
        var models = new Option<string?>("--models") { Description = "Cache folder for the converted packages (default: <repo>/data/bench-models)." };
        var url = new Option<string?>("--url") { Description = "Measure an already-running server or cluster (e.g. a web node: http://127.0.0.1:8080) instead of starting one: runs (c) only, and reports no server memory." };
        var server = new Option<string?>("--server") { Description = "The server's VLOrleans.Silo.dll (default: <repo>/silo/bin/<this configuration>/net10.0)." };
        var images = new Option<string?>("--images") { Description = "Photos to draw from (default: ../shared/images/real)." };
        var sizes = new Option<string?>("--sizes") { Description = "Image sizes and their shares, e.g. 640x480:0.6,1920x1080:0.4 (default: 640×480 … 1920×1080, mostly small)." };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the tables as Markdown to this file (for docs/PERFORMANCE.md)." };
        var command = new Command("bench", "Benchmark the server over HTTP/SSE against two baselines: throughput, TTFT, latency, caches, memory.")
        {
            preset, smoke, floors, sessions, duration, durationA, conversations, conversationsA, minRequests, drain, seed, configs, variant, threads, maxSequence,
            models, server, url, images, sizes, json, markdown,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = (string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
            if (parse.GetValue(floors))
            {
                var measured = MachineFloors.Measure(parse.GetValue(threads), log);
                if (parse.GetValue(json) is { } floorsPath) await File.WriteAllTextAsync(floorsPath, System.Text.Json.JsonSerializer.Serialize(measured, BenchReport.Json), cancellationToken);
                return 0;
            }
            var isSmoke = parse.GetValue(smoke);
            var plan = new BenchPlan
            {
                Preset = isSmoke ? TinyModelPreset.Tiny : TinyModelPresets.Parse(parse.GetValue(preset)!),
                Smoke = isSmoke,
                Sessions = isSmoke ? 4 : parse.GetValue(sessions),
                Duration = TimeSpan.FromSeconds(isSmoke ? 20 : parse.GetValue(duration)),
                DurationA = TimeSpan.FromSeconds(isSmoke ? 20 : parse.GetValue(durationA)),
                Conversations = isSmoke ? 4 : parse.GetValue(conversations),
                ConversationsA = isSmoke ? 2 : parse.GetValue(conversationsA),
                Drain = TimeSpan.FromSeconds(isSmoke ? 20 : parse.GetValue(drain)),
                MinRequests = isSmoke ? 1 : parse.GetValue(minRequests),
                Seed = parse.GetValue(seed),
                Configs = parse.GetValue(url) is null ? parse.GetValue(configs)!.ToLowerInvariant() : "c",
                Variant = parse.GetValue(variant)!,
                Threads = parse.GetValue(threads),
                MaxSequenceLength = isSmoke ? 2048 : parse.GetValue(maxSequence),
                ModelCache = parse.GetValue(models) ?? Path.Combine(RepoRoot(), "data", "bench-models"),
                ServerDll = parse.GetValue(server) ?? DefaultServerDll(),
                Url = parse.GetValue(url) is { } running ? new Uri(running) : null,
                ImagesFolder = parse.GetValue(images) ?? Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "images", "real")),
                Sizes = ParseSizes(parse.GetValue(sizes)),
                Command = "vl " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            };
            var report = await BenchRunner.RunAsync(plan, log, cancellationToken);
            Console.WriteLine(report.ToTable());
            if (parse.GetValue(json) is { } jsonPath) await File.WriteAllTextAsync(jsonPath, report.ToJson(), cancellationToken);
            if (parse.GetValue(markdown) is { } mdPath) await File.WriteAllTextAsync(mdPath, report.ToMarkdown(), cancellationToken);
            return report.Configurations.Any(c => c.Errors > 0 || c.RequestsCompleted == 0) ? 1 : 0;
        });
        return command;
    }

    /// <summary>"640x480:0.6,1920x1080:0.4" → sizes with shares; null → null (the plan's default).</summary>
    private static IReadOnlyList<(int, int, double)>? ParseSizes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var sizes = new List<(int, int, double)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (size, share) = part.Split(':') is [var a, var b] ? (a, b) : (part, "1");
            var wh = size.Split('x', 'X', '×');
            if (wh.Length != 2 || !int.TryParse(wh[0], out var w) || !int.TryParse(wh[1], out var h) || w < 32 || h < 32
                || !double.TryParse(share, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) || p <= 0)
                throw new ArgumentException($"--sizes: '{part}' is not WIDTHxHEIGHT[:SHARE]");
            sizes.Add((w, h, p));
        }
        return sizes;
    }

    /// <summary>The repository: the folder above this executable holding VLOrleans.sln.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VLOrleans.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>The server built in the same configuration as this executable (…/client/Cli/bin/Release/net10.0 → silo/bin/Release/net10.0).</summary>
    private static string DefaultServerDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";
        return Path.Combine(RepoRoot(), "silo", "bin", configuration, "net10.0", "VLOrleans.Silo.dll");
    }
}

/// <summary>Everything one <c>vl bench</c> run needs, after defaults and <c>--smoke</c> scaling.</summary>
public sealed record BenchPlan
{
    public required TinyModelPreset Preset { get; init; }
    public bool Smoke { get; init; }
    public int Sessions { get; init; } = 8;
    public TimeSpan Duration { get; init; }
    public TimeSpan DurationA { get; init; }
    public int Conversations { get; init; }
    public int ConversationsA { get; init; }
    public TimeSpan Drain { get; init; }
    public int MinRequests { get; init; } = 1;
    public int Seed { get; init; } = 1;
    public string Configs { get; init; } = "abc";
    public string Variant { get; init; } = "int4";
    public int Threads { get; init; }
    public int MaxSequenceLength { get; init; } = 4096;
    public required string ModelCache { get; init; }
    public required string ServerDll { get; init; }

    /// <summary>An already-running server to measure (<c>--url</c>); null = each configuration starts its own.</summary>
    public Uri? Url { get; init; }
    public required string ImagesFolder { get; init; }

    /// <summary>Image sizes with their shares; null = the default mix.</summary>
    public IReadOnlyList<(int Width, int Height, double Share)>? Sizes { get; init; }
    public string Command { get; init; } = "vl bench";
}

/// <summary>Runs a <see cref="BenchPlan"/>: models, workload, images, then each configuration on its own server.</summary>
public static class BenchRunner
{
    public static async Task<BenchReport> RunAsync(BenchPlan plan, Action<string> log, CancellationToken cancellationToken)
    {
        var package = BenchModels.Ensure(plan.ModelCache, plan.Preset, log);
        MachineFloors.Result? floors = plan.Smoke ? null : MachineFloors.Measure(plan.Threads, log);

        // Seed 001's mix, scaled to 2 cores: 640×480 … 1920×1080, mostly small — a 1920×1080 photo is 2,040 image tokens,
        // ~7× the vision and prefill work of a 640×480 one (~1.8 TFLOP, ~13 s at 138 GFLOP/s), so a few of them would
        // take the whole measurement. The smoke run uses only 640×480, with answers an eighth as long.
        IReadOnlyList<(int, int, double)> sizes = plan.Sizes?.Select(s => (s.Width, s.Height, s.Share)).ToArray() ?? (plan.Smoke
            ? [(640, 480, 1.0)]
            : [(640, 480, 0.6), (800, 600, 0.2), (1024, 768, 0.1), (1280, 720, 0.07), (1920, 1080, 0.03)]);
        var photos = BenchImages.UsablePhotos(plan.ImagesFolder);
        var workload = new Workload(plan.Seed, photos, sizes, plan.Smoke ? (2, 3) : (3, 5), plan.Smoke ? 0.125 : 1.0, imageTokenBudget: plan.MaxSequenceLength / 2);
        var images = new BenchImages(plan.ImagesFolder);
        var configurations = new List<ServerConfiguration>();
        if (plan.Configs.Contains('a')) configurations.Add(ServerConfiguration.OneAtATime());
        if (plan.Configs.Contains('b')) configurations.Add(ServerConfiguration.BatchingOnly(plan.Sessions, plan.Variant));
        if (plan.Configs.Contains('c')) configurations.Add(ServerConfiguration.Full(plan.Sessions, plan.Variant));

        // Images for as many conversations as a run can plausibly reach, made before any server runs (the rest lazily).
        var prepared = Math.Min(Math.Max(plan.Conversations, plan.ConversationsA), plan.Smoke ? 8 : 48);
        var planned = Enumerable.Range(0, prepared).Select(workload.Conversation).ToArray();
        var clock = Stopwatch.StartNew();
        images.Prepare(planned.SelectMany(c => c.Turns).SelectMany(t => t.NewImages));
        var warmImage = new ImagePlan(photos[0], 640, 480, 0x7fffff);
        images.Jpeg(warmImage);
        log($"{photos.Count} photos, images for {prepared} conversations made in {clock.Elapsed.TotalSeconds:F1} s");

        var results = new List<ConfigurationResult>();
        foreach (var config in configurations)
        {
            var isA = config.Key == "a";
            log($"({config.Key}) {config.Label}: starting the server");
            var load = Stopwatch.StartNew();
            // --url: the server (a cluster's web node) already runs with its own settings; nothing is started here.
            await using var silo = plan.Url is null
                ? await SiloProcess.StartAsync(plan.ServerDll, config.Environment(package, plan.MaxSequenceLength, plan.Threads), TimeSpan.FromMinutes(10), cancellationToken)
                : null;
            var loadSeconds = load.Elapsed.TotalSeconds;
            var driver = new SessionLoadDriver(silo?.BaseAddress ?? plan.Url!, workload, images);
            await driver.WarmUpAsync(warmImage, cancellationToken);
            log($"({config.Key}) ready in {loadSeconds:F1} s, warmed up; measuring");
            var limits = new SessionLoadDriver.Limits(config.ClientConcurrency, isA ? plan.ConversationsA : plan.Conversations, plan.MinRequests,
                isA ? plan.DurationA : plan.Duration, plan.Drain);
            var run = await driver.RunAsync(limits, cancellationToken);
            var result = ConfigurationResult.From(config, run, silo?.PeakResidentBytes() ?? 0, loadSeconds);
            log($"({config.Key}) {result.RequestsCompleted} requests, {result.Errors} errors, {run.CancelledAtDrain} cancelled at the drain limit in {result.DurationSeconds:F1} s: {result.RequestsPerSecond:F3} req/s, {result.OutputTokensPerSecond:F1} tokens/s, TTFT p50 {result.TtftP50:F2} s");
            results.Add(result);
        }

        var ratios = new List<Ratio>();
        var c = results.FirstOrDefault(r => r.Key == "c");
        if (c is not null)
        {
            foreach (var baseline in results.Where(r => r.Key != "c")) ratios.Add(Ratio.Of(c, baseline));
        }
        var openedPackage = ModelPackage.Open(package);
        var decodeFloors = floors is null ? null : results.Select(r => DecodeFloor.Of(r, openedPackage, floors.ReadGigabytesPerSecond)).ToArray();
        var kinds = planned.SelectMany(p => p.Turns).GroupBy(t => t.Kind).ToDictionary(g => g.Key.ToString(), g => g.Count());
        var workloadInfo = new WorkloadInfo(plan.Seed, plan.Sessions, string.Join(", ", sizes.Select(s => $"{s.Item1}×{s.Item2} ({s.Item3:P0})")),
            $"{workload.TurnsPerConversation.Min}–{workload.TurnsPerConversation.Max}", workload.TokenScale,
            planned.SelectMany(p => p.Turns).Average(t => t.IsFollowUp ? 1.0 : 0.0), kinds, prepared);
        return new BenchReport(plan.Preset.ToName(), package, plan.Smoke, plan.Command, MachineInfo.Current(), workloadInfo, results, ratios, floors, decodeFloors);
    }
}
