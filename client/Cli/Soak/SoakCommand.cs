using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using VLOrleans.Cli.Bench;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Cli.Soak;

/// <summary>
/// <c>vl soak</c>: a long, hostile run against one server — by default the server executable started here on the tiny
/// model (as <c>vl bench --smoke</c> does), or <c>--server URL</c> — with clients over REST/SSE, SignalR and the OpenAI
/// API, some going away mid-stream and some sending malformed requests; then the checks of <see cref="SoakChecks"/>.
/// Loopback only by default; every loop is bounded by <c>--turns</c> and a per-turn deadline. Exit code 0 when every
/// check holds, 1 when one fails.
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var turns = new Option<int>("--turns") { Description = "Turns in all (at least 1).", DefaultValueFactory = _ => 1000 };
        var sessions = new Option<int>("--sessions") { Description = "Concurrent clients, one session each.", DefaultValueFactory = _ => 16 };
        var server = new Option<string?>("--server") { Description = "Soak this running server instead of starting one on the tiny model." };
        var apiKey = new Option<string?>("--api-key") { Description = "API key for --server." };
        var maxRequest = new Option<long?>("--max-request-bytes") { Description = "--server's request-body limit (oversize bodies exceed it; default 32 MiB)." };
        var images = new Option<string?>("--images") { Description = "Folder of photos to send (default ../shared/images/real)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the turn mix.", DefaultValueFactory = _ => 22 };
        var rssGrowth = new Option<double>("--max-rss-growth") { Description = "Allowed growth of the server's resident memory from the baseline window to the end (0.05 = 5%).", DefaultValueFactory = _ => 0.05 };
        var command = new Command("soak", "Drive a server with many turns over REST/SSE, SignalR and the OpenAI API, with disconnects and malformed requests; check nothing leaked or was lost.")
        {
            turns, sessions, server, apiKey, maxRequest, images, seed, rssGrowth,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var plan = new SoakPlan
            {
                Turns = Math.Max(1, parse.GetValue(turns)),
                Sessions = Math.Clamp(parse.GetValue(sessions), 1, 256),
                Seed = parse.GetValue(seed),
                MaxRssGrowth = parse.GetValue(rssGrowth),
                ApiKey = parse.GetValue(apiKey),
                MaxRequestBytes = parse.GetValue(maxRequest) ?? (parse.GetValue(server) is null ? OwnServerMaxRequestBytes : 32L << 20),
            };
            var photos = LoadPhotos(parse.GetValue(images) ?? Path.Combine(RepoRoot(), "..", "shared", "images", "real"));
            static void Log(string line) => Console.Error.WriteLine(line);
            if (parse.GetValue(server) is { } url) return await SoakAsync(plan, new Uri(url), photos, Log, cancellationToken);

            var model = Directory.CreateTempSubdirectory("vl-soak-model-").FullName;
            try
            {
                Log("making the tiny model (random weights)");
                TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(model, "hf"));
                ModelConverter.Convert(Path.Combine(model, "hf"), Path.Combine(model, "package"), new ConversionOptions { Weights = WeightFormat.Fp32 });
                var environment = new Dictionary<string, string>
                {
                    ["VLO__Model__Path"] = Path.Combine(model, "package"),
                    ["VLO__Limits__MaxRequestBytes"] = OwnServerMaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                await using var silo = await SiloProcess.StartAsync(ServerDll(), environment, TimeSpan.FromMinutes(5), cancellationToken);
                Log($"server ready at {silo.BaseAddress}");
                return await SoakAsync(plan, silo.BaseAddress, photos, Log, cancellationToken);
            }
            finally
            {
                Directory.Delete(model, recursive: true);
            }
        });
        return command;
    }

    /// <summary>The body limit given to the server this command starts: small, so oversize requests cost little to send.</summary>
    private const long OwnServerMaxRequestBytes = 1L << 20;

    private static async Task<int> SoakAsync(SoakPlan plan, Uri server, IReadOnlyList<byte[]> photos, Action<string> log, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, UseProxy = false })
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (plan.ApiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", plan.ApiKey);
        await WaitUntilReadyAsync(client, log, cancellationToken);
        var ledger = new SoakLedger();
        var http = new SoakHttp(client, ledger);
        var driver = new SoakDriver(plan, http, ledger, photos, log);
        var clock = Stopwatch.StartNew();
        log($"soak: {plan.Turns} turns, {plan.Sessions} sessions, {plan.MalformedShare:P0} malformed, {plan.DisconnectShare:P0} disconnecting");
        await driver.RunAsync(await http.ModelNameAsync(cancellationToken), cancellationToken);
        var checks = await SoakChecks.RunAsync(plan, http, ledger, driver, cancellationToken);
        Console.WriteLine(checks.Report(plan, ledger, clock.Elapsed));
        return checks.Passed ? 0 : 1;
    }

    /// <summary>Waits (two minutes at most) for /readyz: turns sent while the model loads would only measure a 503.</summary>
    private static async Task WaitUntilReadyAsync(HttpClient client, Action<string> log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 480; attempt++)
        {
            try
            {
                using var ready = await client.GetAsync("/readyz", cancellationToken);
                if (ready.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
        log("the server did not turn ready within two minutes; soaking anyway");
    }

    /// <summary>The folder's photos of at most 200 KB (a soak measures leaks, not vision speed), in name order.</summary>
    private static List<byte[]> LoadPhotos(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no photo folder '{folder}' (--images)");
        var photos = Directory.GetFiles(folder).Order(StringComparer.Ordinal)
            .Where(f => new FileInfo(f).Length <= 200_000 && Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".webp")
            .Select(File.ReadAllBytes).ToList();
        return photos.Count > 0 ? photos : throw new InvalidOperationException($"no photo of at most 200 KB in '{folder}'");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VLOrleans.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>The server built beside this executable's configuration (…/client/Cli/bin/Release/net10.0 → silo/bin/Release/net10.0).</summary>
    private static string ServerDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";
        return Path.Combine(RepoRoot(), "silo", "bin", configuration, "net10.0", "VLOrleans.Silo.dll");
    }
}
