using System.CommandLine;
using VLOrleans.Cli.Backends;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl ask</c>: streams answers about images to the terminal, from a server (<c>--server</c>) or a model loaded
/// in-process (<c>--model</c>). Several <c>--turn</c>s (or a <c>--script</c> file, one question per line) make a
/// conversation on the same images; after each turn a line on stderr reports time to first token, decode speed and
/// how much of the prompt came from resident KV. On a server the session is kept and its id printed
/// (continue it with <c>vl chat --session ID</c>).
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
        var question = new Argument<string?>("question") { Description = "The first question.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ask", "Ask about images and stream the answer (from a server, or in-process with --model).")
        {
            images, turns, script, session, ignoreEos, question,
        };
        backend.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandFailures.RunAsync("ask", async () =>
        {
            var questions = new List<string>();
            if (parse.GetValue(question) is { Length: > 0 } first) questions.Add(first);
            questions.AddRange(parse.GetValue(turns) ?? []);
            if (parse.GetValue(script) is { } scriptPath) questions.AddRange(File.ReadAllLines(scriptPath).Where(l => l.Trim().Length > 0));
            if (questions.Count == 0) throw new VlCommandException("usage", "give a question (positional, --turn or --script)");

            await using var answers = backend.CreateBackend(parse, slotCount: 1, deleteRemoteSessions: false);
            if (answers is RemoteBackend && parse.GetValue(ignoreEos)) Console.Error.WriteLine("ask: --ignore-eos works only with --model; ignored");
            Console.Error.WriteLine(answers.Description);
            await using var conversation = await answers.StartConversationAsync(parse.GetValue(session), cancellationToken);
            if (answers is RemoteBackend) Console.Error.WriteLine($"session {conversation.Id}");
            foreach (var path in parse.GetValue(images) ?? [])
            {
                var image = await conversation.AddImageAsync(await File.ReadAllBytesAsync(path, cancellationToken), Path.GetFileName(path), cancellationToken);
                Console.Error.WriteLine(ChatCommand.DescribeImage(Path.GetFileName(path), image));
            }
            var settings = backend.Settings(parse, parse.GetValue(ignoreEos));
            for (var turn = 0; turn < questions.Count; turn++)
            {
                Console.WriteLine($"> {questions[turn]}");
                await foreach (var delta in conversation.AskAsync(questions[turn], settings, cancellationToken)) Console.Write(delta);
                Console.WriteLine();
                if (conversation.LastTurn is { } last) Console.Error.WriteLine(last.Describe(turn + 1));
            }
            return 0;
        }));
        return command;
    }
}
