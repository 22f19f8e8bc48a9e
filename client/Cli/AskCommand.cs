using System.CommandLine;
using System.Diagnostics;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl ask</c> in-process: loads a model package and streams answers from the engine, no server. Several
/// <c>--turn</c>s (or a <c>--script</c> file, one question per line) make a conversation on the same images;
/// after each turn a line reports time to first token, decode speed, and whether the vision cache and the
/// resident KV were used.
/// </summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model package folder (from `vl convert`).", Required = true };
        var images = new Option<string[]>("--image") { Description = "Image file to ask about (repeatable).", AllowMultipleArgumentsPerToken = false };
        var turns = new Option<string[]>("--turn") { Description = "A follow-up question (repeatable; asked in order after the first)." };
        var script = new Option<string?>("--script") { Description = "File with one question per line (after the positional question, if any)." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float?>("--temperature") { Description = "0 = greedy; default: the model's generation_config." };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus sampling threshold." };
        var topK = new Option<int?>("--top-k") { Description = "Sample among the k most likely tokens." };
        var seed = new Option<ulong?>("--seed") { Description = "Same seed + same question → same answer." };
        var variant = new Option<string?>("--variant") { Description = "Weight variant (fp32, fp16, int8, int4); default: the most precise that fits." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for decoder and vision (0 = one per core).", DefaultValueFactory = _ => 0 };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "Always generate --max-tokens tokens (benchmarking)." };
        var question = new Argument<string?>("question") { Description = "The first question.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ask", "Ask a model about images, in-process (no server).")
        {
            model, images, turns, script, maxTokens, temperature, topP, topK, seed, variant, threads, ignoreEos, question,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var questions = new List<string>();
            if (parse.GetValue(question) is { Length: > 0 } first) questions.Add(first);
            questions.AddRange(parse.GetValue(turns) ?? []);
            if (parse.GetValue(script) is { } scriptPath) questions.AddRange(File.ReadAllLines(scriptPath).Where(l => l.Trim().Length > 0));
            if (questions.Count == 0)
            {
                Console.Error.WriteLine("ask: give a question (positional, --turn or --script)");
                return 2;
            }
            var settings = new GenerationSettings
            {
                MaxTokens = parse.GetValue(maxTokens),
                IgnoreEos = parse.GetValue(ignoreEos),
            };
            try
            {
                await using var engine = VisionLanguageEngine.Load(new EngineOptions
                {
                    ModelPath = parse.GetValue(model)!,
                    Variant = parse.GetValue(variant),
                    DecoderThreads = parse.GetValue(threads),
                    VisionThreads = parse.GetValue(threads),
                    SlotCount = 1,
                });
                var sampling = Sampling(engine.Defaults.Sampling, parse.GetValue(temperature), parse.GetValue(topP), parse.GetValue(topK), parse.GetValue(seed));
                settings = settings with { Sampling = sampling };
                Console.Error.WriteLine($"model {engine.Package.Folder} ({engine.Family}, {engine.Variant})");
                await RunConversationAsync(engine, parse.GetValue(images) ?? [], questions, settings, cancellationToken);
                return 0;
            }
            catch (Exception e) when (e is ImageRejectedException or ModelLoadException or GenerationRejectedException or TextException or FileNotFoundException)
            {
                Console.Error.WriteLine($"ask: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static SamplingParameters Sampling(SamplingParameters defaults, float? temperature, float? topP, int? topK, ulong? seed)
    {
        var sampling = defaults;
        if (temperature is { } t) sampling = sampling with { Temperature = t };
        if (topP is { } p) sampling = sampling with { TopP = p };
        if (topK is { } k) sampling = sampling with { TopK = k };
        if (seed is { } s) sampling = sampling with { Seed = s };
        return sampling;
    }

    private static async Task RunConversationAsync(VisionLanguageEngine engine, string[] imagePaths, List<string> questions, GenerationSettings settings, CancellationToken cancellationToken)
    {
        var prepared = new List<PreparedImage>();
        foreach (var path in imagePaths)
        {
            var clock = Stopwatch.StartNew();
            var image = await engine.PrepareImageAsync(await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);
            prepared.Add(image);
            Console.Error.WriteLine($"image {Path.GetFileName(path)}: {image.Facts.Format} {image.Facts.OriginalWidth}×{image.Facts.OriginalHeight}, " +
                $"{image.Embeddings.TokenCount} tokens, {(image.WasCached ? "from the vision cache" : $"encoded in {clock.Elapsed.TotalSeconds:F2} s")}");
        }

        var messages = new List<ChatMessage>();
        const string session = "vl-ask";
        for (var turn = 0; turn < questions.Count; turn++)
        {
            var parts = new List<ChatContent>();
            if (turn == 0) parts.AddRange(prepared.Select(_ => (ChatContent)new ImageContent()));
            parts.Add(new TextContent(questions[turn]));
            messages.Add(new ChatMessage(ChatRole.User, null, parts));
            Console.WriteLine($"> {questions[turn]}");

            var answer = new System.Text.StringBuilder();
            GenerationCompleted? done = null;
            await foreach (var e in engine.Ask(messages, prepared, settings, session, cancellationToken).ReadAllAsync(cancellationToken))
            {
                if (e is TokenGenerated t)
                {
                    Console.Write(t.TextDelta);
                    answer.Append(t.TextDelta);
                }
                else if (e is GenerationCompleted c)
                {
                    done = c;
                }
            }
            Console.WriteLine();
            messages.Add(ChatMessage.Assistant(answer.ToString()));
            if (done is { } d)
            {
                Console.Error.WriteLine($"turn {turn + 1}: TTFT {d.Timings.TimeToFirstToken.TotalMilliseconds:F0} ms, {d.Usage.CompletionTokens} tokens at " +
                    $"{d.Timings.DecodeTokensPerSecond(d.Usage.CompletionTokens):F1} tokens/s, prompt {d.Usage.PromptTokens} tokens " +
                    $"({d.Usage.ReusedPromptTokens} from resident KV), vision cache {(turn == 0 && prepared.Any(p => !p.WasCached) ? "miss" : "hit")}, " +
                    $"finish {d.Reason.ToString().ToLowerInvariant()}");
            }
        }
    }
}
