using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using VLOrleans.Cli.Bench;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Text;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl bench-engine</c>: the engine alone, in-process, measured against itself in the same run — first-turn vs
/// follow-up time to first token on a 640×480 image, single-stream decode speed, and N concurrent sequences against
/// the same N requests one at a time. Output lengths are fixed (EOS ignored) so every configuration does the same
/// work. The server-level benchmark (HTTP, baselines) is <c>vl bench</c>.
/// </summary>
internal static partial class BenchEngineCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model package folder.", Required = true };
        var variant = new Option<string?>("--variant") { Description = "Weight variant (default: most precise that fits)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent sequences.", DefaultValueFactory = _ => 8 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens generated per request.", DefaultValueFactory = _ => 64 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var image = new Option<string?>("--image") { Description = "Photo to use (resized to 640×480); default: a COCO photo from ../shared/images/real." };
        var repeats = new Option<int>("--repeats") { Description = "Repetitions of the TTFT measurements (median reported).", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var graphs = new Option<string?>("--graphs")
        {
            Description = "Instead of the engine: time the vision, prefill and decode graphs of these variants (comma-separated, e.g. int4,w8a8) side by side, interleaved, with speed-ups over the first.",
        };
        var profile = new Option<string?>("--profile") { Description = "With --graphs: write ONNX Runtime per-node profiles to {prefix}-{variant}-{vision|decoder}_{date}.json." };
        var noDecodeGraph = new Option<bool>("--no-decode-graph") { Description = "Decode on the prefill graph even when the variant has a decode-step graph (a baseline)." };
        var device = new Option<string>("--device")
        {
            Description = "cpu, cuda or cuda:N (vision and decoder; cuda needs the GPU build: -p:OnnxRuntimeFlavor=gpu). Default cpu.",
            DefaultValueFactory = _ => "cpu",
        };
        var decodeGraphMaxRows = new Option<int?>("--decode-graph-max-rows") { Description = "Steps with more rows run on the prefill graph (default: the engine's, EngineOptions.DecodeGraphMaxRows)." };
        var command = new Command("bench-engine", "Measure the engine in-process: TTFT (new image vs follow-up), decode tokens/s, batching gain.")
        {
            model, variant, concurrency, maxTokens, threads, image, repeats, json, graphs, profile, noDecodeGraph, decodeGraphMaxRows, device,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var onDevice = OnnxDevice.Parse(parse.GetValue(device));
            if (parse.GetValue(graphs) is { } list)
            {
                var package = VLOrleans.Engine.Models.Package.ModelPackage.Open(parse.GetValue(model)!);
                var threadCount = parse.GetValue(threads) is > 0 and var t ? t : Environment.ProcessorCount;
                var graphResults = RunGraphs(package, list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), threadCount, parse.GetValue(repeats), parse.GetValue(profile), onDevice);
                foreach (var (key, value) in graphResults.OrderBy(r => r.Key, StringComparer.Ordinal)) Console.WriteLine($"{key,-60} {value,10:F3}");
                if (parse.GetValue(json) is { } graphJson) await File.WriteAllTextAsync(graphJson, JsonSerializer.Serialize(graphResults, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
                return 0;
            }
            var n = parse.GetValue(concurrency);
            var tokens = parse.GetValue(maxTokens);
            // The memory bandwidth of this machine, before and after, in the same run: on a shared host it moves, and a
            // decode step can't beat (bytes of decoder weights it reads) ÷ (read bandwidth). Measured before loading, so
            // its 768 MB of arrays never sit on top of the engine's peak.
            var before = MachineFloors.MemoryBandwidth(Environment.ProcessorCount).Read;
            var engineOptions = new EngineOptions
            {
                ModelPath = parse.GetValue(model)!,
                Variant = parse.GetValue(variant),
                SlotCount = n,
                MaxSequenceLength = 1024,
                DecoderThreads = parse.GetValue(threads),
                VisionThreads = parse.GetValue(threads),
                UseDecodeGraph = !parse.GetValue(noDecodeGraph),
                DecoderDevice = onDevice.Provider,
                VisionDevice = onDevice.Provider,
                CudaDeviceId = onDevice.Index,
            };
            if (parse.GetValue(decodeGraphMaxRows) is { } maxRows) engineOptions = engineOptions with { DecodeGraphMaxRows = maxRows };
            await using var engine = VisionLanguageEngine.Load(engineOptions);
            var photo = parse.GetValue(image) ?? Path.Combine(FindShared(), "images", "real", "qwen3vl__COCO_train2014_000000580957.jpg");
            var results = await RunAsync(engine, photo, n, tokens, parse.GetValue(repeats), cancellationToken);
            if (engine.Placement is { } placement)
            {
                Console.Error.WriteLine($"device: {placement.Reason}");
                var now = CudaDevice.Query(placement.Device.Index);
                results["cuda_free_gb_at_load"] = placement.Device.FreeBytes / 1e9;
                results["cuda_used_gb_after_run"] = (now.TotalBytes - now.FreeBytes) / 1e9;
            }
            // (peak_rss_gb was read before this: the measurement maps 768 MB for a moment)
            var after = MachineFloors.MemoryBandwidth(Environment.ProcessorCount).Read;
            results["read_bandwidth_before_gb_per_s"] = before;
            results["read_bandwidth_after_gb_per_s"] = after;
            var decodeBytes = DecodeWeightBytes(engine);
            results["decode_weight_bytes_gb"] = decodeBytes / 1e9;
            // share of the floor = floor step time ÷ measured step time = tokens/s × bytes ÷ bandwidth (mean of before/after)
            results["single_stream_share_of_bandwidth_floor"] = results["single_stream_decode_tokens_per_s"] * decodeBytes / ((before + after) / 2 * 1e9);
            foreach (var (key, value) in results) Console.WriteLine($"{key,-40} {value,12:F3}");
            if (parse.GetValue(json) is { } path) await File.WriteAllTextAsync(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>Bytes of decoder weights one decode step reads: the decode-step graph's external data when the engine uses
    /// one, else the decoder's (the embedding table is a separate lookup of one row per token).</summary>
    private static long DecodeWeightBytes(VisionLanguageEngine engine) =>
        ModelPackage.GraphBytes((engine.DecodeGraph is not null ? engine.Package.DecodeDecoderPath(engine.Variant) : null) ?? engine.Package.DecoderPath(engine.Variant));

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var shared = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(shared, "images"))) return shared;
        }
        throw new DirectoryNotFoundException("../shared/images not found; pass --image");
    }

    private static async Task<Dictionary<string, double>> RunAsync(VisionLanguageEngine engine, string photo, int n, int tokens, int repeats, CancellationToken ct)
    {
        var results = new Dictionary<string, double>();
        var decoded = engine.Decoder.Decode(await File.ReadAllBytesAsync(photo, ct));
        var base640 = BicubicResizer.Resize(decoded.Image, 640, 480, 2);
        var settings = new GenerationSettings { MaxTokens = tokens, IgnoreEos = true, Sampling = Engine.Generation.Sampling.SamplingParameters.Greedy };
        Console.Error.WriteLine($"model {engine.Package.Folder} variant {engine.Variant}, {engine.SlotCount} slots, {tokens} tokens per request");

        Memory("engine loaded");
        // warm-up (excluded): one image, one short answer
        var warm = await engine.PrepareDecodedAsync(Variant(base640, decoded.Facts, 255), ct);
        await Drain(engine.Ask([User("Warm up.", 1)], [warm], settings with { MaxTokens = 4 }), ct);

        // first turn on a new image (vision + prefill) vs a follow-up in the same session (cache + resident KV)
        var first = new List<double>();
        var follow = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            var image = await engine.PrepareDecodedAsync(Variant(base640, decoded.Facts, r), ct);
            var conversation = new List<ChatMessage> { User("Describe this image.", 1) };
            var (answer, ttft, _) = await Drain(engine.Ask(conversation, [image], settings with { MaxTokens = 8 }, $"bench-{r}"), ct, clock);
            first.Add(ttft);
            conversation.AddRange([ChatMessage.Assistant(answer), User("What colour is the largest object?", 0)]);
            clock.Restart();
            var again = await engine.PrepareDecodedAsync(Variant(base640, decoded.Facts, r), ct);
            (_, ttft, _) = await Drain(engine.Ask(conversation, [again], settings with { MaxTokens = 8 }, $"bench-{r}"), ct, clock);
            follow.Add(ttft);
        }
        Memory("after the first-turn and follow-up measurements");
        results["ttft_first_turn_new_image_s"] = Median(first);
        results["ttft_follow_up_s"] = Median(follow);

        // single stream decode
        var single = await Drain(engine.Ask([User("Write a long story.", 0)], [], settings), ct);
        results["single_stream_decode_tokens_per_s"] = single.DecodeRate;
        Memory("after the single stream");

        // N requests one at a time, then the same N at once
        var prompts = Enumerable.Range(0, n).Select(i => (ChatMessage[])[User($"Question {i}: tell me about topic {i * 7 + 3}.", 0)]).ToArray();
        var sequentialClock = Stopwatch.StartNew();
        foreach (var p in prompts) await Drain(engine.Ask(p, [], settings), ct);
        var sequential = sequentialClock.Elapsed.TotalSeconds;
        var concurrentClock = Stopwatch.StartNew();
        var stamps = await Task.WhenAll(prompts.Select(p => TokenTimes(engine.Ask(p, [], settings), concurrentClock, ct)));
        var concurrent = concurrentClock.Elapsed.TotalSeconds;
        // Steady state: the window in which every sequence is past its first token and none has finished — all N
        // rows in every decode step. The end-to-end figure below also counts the N prefills and the ramp.
        var windowStart = stamps.Max(t => t[0]);
        var windowEnd = stamps.Min(t => t[^1]);
        var inWindow = stamps.Sum(t => t.Count(x => x > windowStart && x <= windowEnd));
        if (windowEnd > windowStart) results[$"concurrent_{n}_steady_decode_tokens_per_s"] = inWindow / (windowEnd - windowStart);
        results[$"sequential_{n}_total_tokens_per_s"] = n * tokens / sequential;
        results[$"concurrent_{n}_total_tokens_per_s"] = n * tokens / concurrent;
        results["batching_gain_concurrent_over_sequential"] = sequential / concurrent;
        Memory($"after {n} concurrent");
        results["peak_rss_gb"] = ProcessMemory.PeakResidentBytes(Environment.ProcessId) / 1e9;
        return results;
    }

    private static void Memory(string stage) =>
        Console.Error.WriteLine($"memory {stage}: resident {ProcessMemory.ResidentBytes(Environment.ProcessId) / 1e9:F2} GB, peak {ProcessMemory.PeakResidentBytes(Environment.ProcessId) / 1e9:F2} GB");

    private static ChatMessage User(string text, int images) =>
        new(ChatRole.User, null, [.. Enumerable.Range(0, images).Select(_ => (ChatContent)new ImageContent()), new TextContent(text)]);

    /// <summary>A copy of the image with one pixel changed, so each measurement sees a photo the cache has not.</summary>
    private static DecodedImage Variant(RgbImage image, ImageFacts facts, int salt)
    {
        var pixels = (byte[])image.Pixels.Clone();
        pixels[0] = (byte)salt;
        pixels[1] = (byte)(salt >> 8);
        var copy = new RgbImage(image.Width, image.Height, pixels);
        return new DecodedImage(copy, facts with { DecodedWidth = 640, DecodedHeight = 480, ContentHash = ContentHash.Of(copy) });
    }

    private static async Task<(string Text, double Ttft, double DecodeRate)> Drain(GenerationStream stream, CancellationToken ct, Stopwatch? since = null)
    {
        var text = new System.Text.StringBuilder();
        double ttft = 0, rate = 0;
        await foreach (var e in stream.ReadAllAsync(ct))
        {
            if (e is TokenGenerated t)
            {
                if (ttft == 0 && since is not null) ttft = since.Elapsed.TotalSeconds;
                text.Append(t.TextDelta);
            }
            else if (e is GenerationCompleted c)
            {
                if (since is null) ttft = c.Timings.TimeToFirstToken.TotalSeconds;
                rate = c.Timings.DecodeTokensPerSecond(c.Usage.CompletionTokens);
            }
        }
        return (text.ToString(), ttft, rate);
    }

    /// <summary>Drains a stream, returning the clock time of every token.</summary>
    private static async Task<double[]> TokenTimes(GenerationStream stream, Stopwatch clock, CancellationToken ct)
    {
        var times = new List<double>();
        await foreach (var e in stream.ReadAllAsync(ct))
        {
            if (e is TokenGenerated) times.Add(clock.Elapsed.TotalSeconds);
        }
        return times.Count > 0 ? times.ToArray() : [clock.Elapsed.TotalSeconds];
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
