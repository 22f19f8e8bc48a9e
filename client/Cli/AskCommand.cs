using System.CommandLine;
using System.Text.Json;
using VLOrleans.Cli.Backends;
using VLOrleans.Cli.Boxes;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl ask</c>: streams answers about images to the terminal, from a server (<c>--server</c>) or a model loaded
/// in-process (<c>--model</c>). Several <c>--turn</c>s (or a <c>--script</c> file, one question per line) make a
/// conversation on the same images; after each turn a line on stderr reports time to first token, decode speed and
/// how much of the prompt came from resident KV. On a server the session is kept and its id printed
/// (continue it with <c>vl chat --session ID</c>). <c>--boxes-out FILE.jpg</c> writes the image with the last answer's
/// boxes drawn on it (Qwen grounding output: ask e.g. "Locate the dent; output its bbox_2d as JSON");
/// <c>--response-schema FILE</c> (in-process) makes the answer JSON matching a schema.
/// </summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var backend = new BackendOptions(defaultMaxTokens: 256);
        var images = new Option<string[]>("--image") { Description = "Image file to ask about (repeatable).", AllowMultipleArgumentsPerToken = false };
        var turns = new Option<string[]>("--turn") { Description = "A follow-up question (repeatable; asked in order after the first)." };
        var script = new Option<string?>("--script") { Description = "File with one question per line (after the positional question, if any)." };
        var session = new Option<string?>("--session") { Description = "With --server: continue this session instead of starting one." };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "With --model: always generate --max-tokens tokens (benchmarking)." };
        var boxesOut = new Option<string?>("--boxes-out") { Description = "Write the image with the last answer's boxes (bbox_2d / point_2d) drawn on it to this JPEG file (.jpg)." };
        var responseSchema = new Option<string?>("--response-schema") { Description = "With --model: a JSON schema file the answer must match (constrained decoding)." };
        var question = new Argument<string?>("question") { Description = "The first question.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ask", "Ask about images and stream the answer (from a server, or in-process with --model).")
        {
            images, turns, script, session, ignoreEos, boxesOut, responseSchema, question,
        };
        backend.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandFailures.RunAsync("ask", async () =>
        {
            var questions = new List<string>();
            if (parse.GetValue(question) is { Length: > 0 } first) questions.Add(first);
            questions.AddRange(parse.GetValue(turns) ?? []);
            if (parse.GetValue(script) is { } scriptPath) questions.AddRange(File.ReadAllLines(scriptPath).Where(l => l.Trim().Length > 0));
            if (questions.Count == 0) throw new VlCommandException("usage", "give a question (positional, --turn or --script)");
            var boxesPath = parse.GetValue(boxesOut);
            if (boxesPath is not null && !(boxesPath.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || boxesPath.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)))
                throw new VlCommandException("usage", "--boxes-out writes a JPEG (the engine's encoder): name the file .jpg or .jpeg");
            JsonElement? schema = null;
            if (parse.GetValue(responseSchema) is { } schemaPath)
            {
                try
                {
                    schema = JsonDocument.Parse(await File.ReadAllTextAsync(schemaPath, cancellationToken)).RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new VlCommandException("usage", $"--response-schema {schemaPath} is not JSON: {e.Message}");
                }
            }

            await using var answers = backend.CreateBackend(parse, slotCount: 1, deleteRemoteSessions: false);
            if (answers is RemoteBackend && parse.GetValue(ignoreEos)) Console.Error.WriteLine("ask: --ignore-eos works only with --model; ignored");
            if (answers is RemoteBackend && schema is not null) Console.Error.WriteLine("ask: --response-schema works only with --model; ignored");
            Console.Error.WriteLine(answers.Description);
            await using var conversation = await answers.StartConversationAsync(parse.GetValue(session), cancellationToken);
            if (answers is RemoteBackend) Console.Error.WriteLine($"session {conversation.Id}");
            var imageBytes = new Dictionary<string, byte[]>(StringComparer.Ordinal); // image id → the file's bytes, for --boxes-out
            foreach (var path in parse.GetValue(images) ?? [])
            {
                var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
                var image = await conversation.AddImageAsync(bytes, Path.GetFileName(path), cancellationToken);
                imageBytes[image.Id] = bytes;
                Console.Error.WriteLine(ChatCommand.DescribeImage(Path.GetFileName(path), image));
            }
            var settings = backend.Settings(parse, parse.GetValue(ignoreEos)) with { Schema = schema };
            for (var turn = 0; turn < questions.Count; turn++)
            {
                Console.WriteLine($"> {questions[turn]}");
                await foreach (var delta in conversation.AskAsync(questions[turn], settings, cancellationToken)) Console.Write(delta);
                Console.WriteLine();
                if (conversation.LastTurn is { } last) Console.Error.WriteLine(last.Describe(turn + 1));
            }
            if (boxesPath is not null) WriteBoxes(boxesPath, conversation.LastTurn?.Boxes, imageBytes);
            return 0;
        }));
        return command;
    }

    /// <summary>Draws the boxes on their image (one of this command's --image files) and writes the JPEG; says why not when it cannot.</summary>
    private static void WriteBoxes(string path, IReadOnlyList<AnswerBox>? boxes, Dictionary<string, byte[]> imageBytes)
    {
        if (boxes is not { Count: > 0 })
        {
            Console.Error.WriteLine($"ask: the last answer names no boxes (no bbox_2d / point_2d); {path} not written");
            return;
        }
        var imageId = boxes[0].ImageId;
        if (!imageBytes.TryGetValue(imageId, out var bytes))
        {
            Console.Error.WriteLine($"ask: the boxes are on image {imageId}, which is not one of this command's --image files; {path} not written");
            return;
        }
        File.WriteAllBytes(path, BoxPainter.Annotate(bytes, [.. boxes.Where(b => b.ImageId == imageId)]));
        Console.Error.WriteLine($"ask: {boxes.Count} box(es) drawn on the image, written to {path}");
    }
}
