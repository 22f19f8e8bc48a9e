using System.CommandLine;
using VLOrleans.Cli.Backends;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl chat</c>: a conversation at the terminal. Lines are questions; lines starting with <c>/</c> are commands
/// (<c>/image PATH</c> attaches an image to the next question, <c>/turns</c>, <c>/new</c>, <c>/session</c>, <c>/help</c>,
/// <c>/quit</c>). Answers stream to stdout, one answer then a newline; everything else (image facts, turn figures,
/// errors) goes to stderr, so a script can drive it through stdin and read only answers back. A bad image or a refused
/// question is reported and the conversation goes on.
/// </summary>
internal static class ChatCommand
{
    private const string Help = """
        Type a question and press Enter. Commands:
          /image PATH   attach an image to the next question (repeat for several)
          /turns        show the conversation so far
          /new          start a new conversation
          /session      show the session id (resume later with --session)
          /help         this text
          /quit         leave (end of input does too)
        """;

    public static Command Create()
    {
        var backend = new BackendOptions(defaultMaxTokens: 256);
        var session = new Option<string?>("--session") { Description = "With --server: continue this session instead of starting one." };
        var images = new Option<string[]>("--image") { Description = "Image file to attach to the first question (repeatable)." };
        var command = new Command("chat", "Chat about images at the terminal (/image PATH attaches one; /help lists commands).") { session, images };
        backend.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandFailures.RunAsync("chat", async () =>
        {
            await using var answers = backend.CreateBackend(parse, slotCount: 1, deleteRemoteSessions: false);
            Console.Error.WriteLine(answers.Description);
            var conversation = await answers.StartConversationAsync(parse.GetValue(session), cancellationToken);
            try
            {
                Console.Error.WriteLine($"session {conversation.Id} (/help for commands)");
                foreach (var path in parse.GetValue(images) ?? []) await AttachAsync(conversation, path, cancellationToken);
                var settings = backend.Settings(parse);
                var interactive = !Console.IsInputRedirected;
                var turnNumber = 0;
                while (true)
                {
                    if (interactive) Console.Write("> ");
                    var line = await Console.In.ReadLineAsync(cancellationToken);
                    if (line is null) break;
                    line = line.Trim();
                    if (line.Length == 0) continue;
                    if (!line.StartsWith('/'))
                    {
                        await AnswerAsync(conversation, line, settings, ++turnNumber, cancellationToken);
                        continue;
                    }
                    var (name, argument) = SplitCommand(line);
                    switch (name)
                    {
                        case "/quit" or "/exit":
                            return 0;
                        case "/help":
                            Console.Error.WriteLine(Help);
                            break;
                        case "/image" or "/img":
                            if (argument.Length == 0) Console.Error.WriteLine("usage: /image PATH");
                            else await AttachAsync(conversation, argument, cancellationToken);
                            break;
                        case "/turns":
                            await ReportAsync(async () =>
                            {
                                foreach (var (role, text) in await conversation.ListTurnsAsync(cancellationToken)) Console.Error.WriteLine($"{role}: {text}");
                            });
                            break;
                        case "/session":
                            Console.Error.WriteLine($"session {conversation.Id}");
                            break;
                        case "/new":
                            await conversation.DisposeAsync();
                            conversation = await answers.StartConversationAsync(null, cancellationToken);
                            turnNumber = 0;
                            Console.Error.WriteLine($"session {conversation.Id}");
                            break;
                        default:
                            Console.Error.WriteLine($"unknown command {name} (/help lists them)");
                            break;
                    }
                }
                return 0;
            }
            finally
            {
                await conversation.DisposeAsync();
            }
        }));
        return command;
    }

    /// <summary>The line shown for an added image.</summary>
    public static string DescribeImage(string name, ImageSummary image) =>
        $"image {name}: {image.Format} {image.Width}×{image.Height}, {image.ImageTokens} tokens, {image.Origin} (id {image.Id[..Math.Min(12, image.Id.Length)]}…)";

    private static async Task AnswerAsync(IVlConversation conversation, string question, AnswerSettings settings, int turnNumber, CancellationToken cancellationToken)
    {
        var wroteAny = false;
        await ReportAsync(async () =>
        {
            await foreach (var delta in conversation.AskAsync(question, settings, cancellationToken))
            {
                Console.Write(delta);
                wroteAny = true;
            }
            Console.WriteLine();
            wroteAny = false;
            if (conversation.LastTurn is { } last) Console.Error.WriteLine(last.Describe(turnNumber));
        });
        if (wroteAny) Console.WriteLine(); // an answer cut by an error still ends its line
    }

    private static async Task AttachAsync(IVlConversation conversation, string path, CancellationToken cancellationToken)
    {
        path = path.Trim('"', '\'');
        await ReportAsync(async () =>
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            Console.Error.WriteLine(DescribeImage(Path.GetFileName(path), await conversation.AddImageAsync(bytes, Path.GetFileName(path), cancellationToken)));
        });
    }

    /// <summary>Runs one REPL step; an expected failure is printed and the conversation goes on.</summary>
    private static async Task ReportAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (VlCommandException e)
        {
            Console.Error.WriteLine($"error: {e.Message} ({e.Code})");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
    }

    private static (string Name, string Argument) SplitCommand(string line)
    {
        var space = line.IndexOf(' ');
        return space < 0 ? (line.ToLowerInvariant(), "") : (line[..space].ToLowerInvariant(), line[(space + 1)..].Trim());
    }
}
