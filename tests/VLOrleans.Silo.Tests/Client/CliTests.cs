using System.Globalization;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>The `vl` command line as a user runs it (a process, stdin/stdout), against the tiny server or in-process.</summary>
[Collection(ClientServerCollection.Name)]
public sealed class CliTests(ClientServerFixture server)
{
    private string[] Remote => ["--server", server.BaseAddress.ToString(), "--api-key", ClientServerFixture.ApiKey];

    [Fact]
    public async Task Batch_answers_good_images_records_a_bad_one_and_writes_ordered_JSONL_and_CSV()
    {
        var folder = Directory.CreateTempSubdirectory("vl-batch-").FullName;
        try
        {
            var images = Path.Combine(folder, "photos");
            Directory.CreateDirectory(images);
            await File.WriteAllBytesAsync(Path.Combine(images, "a-gauge.jpg"), TinyModelServer.Photo("intel__gauge-1.jpg"));
            await File.WriteAllTextAsync(Path.Combine(images, "b-broken.jpg"), "not a jpeg, just text");
            await File.WriteAllBytesAsync(Path.Combine(images, "c-toucan.png"), TinyModelServer.Photo("libpng__toucan.png"));
            await File.WriteAllTextAsync(Path.Combine(images, "notes.txt"), "not an image file name: skipped");
            string[] common = ["--question", "What is in the photo?", "--max-tokens", "6", "--temperature", "0", "--concurrency", "2"];

            // JSONL from the server.
            var jsonl = Path.Combine(folder, "results.jsonl");
            var remote = await VlProcess.RunAsync(["batch", images, "--out", jsonl, .. common, .. Remote]);
            Assert.True(remote.ExitCode == 1, $"exit {remote.ExitCode} (1 = some images failed):\n{remote.StdErr}");
            Assert.Contains("3 images: 2 answered, 1 failed (unsupported_format: 1)", remote.StdErr);
            var rows = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            // notes.txt is not sent, but has its row (issue 22: no input file vanishes from the results).
            Assert.Equal(["a-gauge.jpg", "b-broken.jpg", "c-toucan.png", "notes.txt"], rows.Select(r => r.GetProperty("file").GetString()));
            Assert.Equal([true, false, true, false], rows.Select(r => r.GetProperty("ok").GetBoolean()));
            Assert.Equal("skipped", rows[3].GetProperty("error_code").GetString());
            Assert.Equal("unsupported_format", rows[1].GetProperty("error_code").GetString());
            Assert.Contains("not a recognised image", rows[1].GetProperty("error").GetString());
            Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("answer").ValueKind);
            Assert.Equal((269, 267), (rows[0].GetProperty("width").GetInt32(), rows[0].GetProperty("height").GetInt32()));
            Assert.All(new[] { rows[0], rows[2] }, r => Assert.InRange(r.GetProperty("completion_tokens").GetInt32(), 1, 6));

            // CSV in-process on the same model folder, through a list file whose names need quoting.
            var odd = "odd, \"quoted\" name.jpg";
            File.Copy(Path.Combine(images, "a-gauge.jpg"), Path.Combine(folder, odd));
            var list = Path.Combine(folder, "list.txt");
            await File.WriteAllLinesAsync(list, ["# inspection photos", "photos/c-toucan.png", "", odd, "photos/b-broken.jpg", "photos/missing.jpg"]);
            var csv = Path.Combine(folder, "results.csv");
            var local = await VlProcess.RunAsync(["batch", list, "--out", csv, .. common, "--model", TinyModelServer.PackageFolder, "--threads", "1"]);
            Assert.True(local.ExitCode == 1, $"exit {local.ExitCode}:\n{local.StdErr}");
            Assert.Contains("4 images: 2 answered, 2 failed (unreadable: 1, unsupported_format: 1)", local.StdErr);

            // Parsed back by .NET's own RFC 4180 reader, not ours.
            using var parser = new TextFieldParser(csv) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
            parser.SetDelimiters(",");
            var table = new List<string[]>();
            while (!parser.EndOfData) table.Add(parser.ReadFields()!);
            Assert.Equal(["file", "ok", "answer", "error_code", "error", "width", "height", "prompt_tokens", "completion_tokens", "seconds"], table[0]);
            Assert.Equal(["photos/c-toucan.png", odd, "photos/b-broken.jpg", "photos/missing.jpg"], table.Skip(1).Select(r => r[0]));
            Assert.Equal(["true", "true", "false", "false"], table.Skip(1).Select(r => r[1]));
            Assert.Equal(["", "", "unsupported_format", "unreadable"], table.Skip(1).Select(r => r[3]));
            // Same model, same prompt, greedy: the in-process answers equal the server's for the same images.
            Assert.Equal(rows[2].GetProperty("answer").GetString(), table[1][2]);
            Assert.Equal(rows[0].GetProperty("answer").GetString(), table[2][2]);
            Assert.Equal(rows[0].GetProperty("prompt_tokens").GetInt32(), int.Parse(table[2][7], CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Chat_driven_through_stdin_attaches_an_image_and_answers_two_questions()
    {
        var folder = Directory.CreateTempSubdirectory("vl-chat-").FullName;
        try
        {
            var photo = Path.Combine(folder, "gauge.jpg");
            await File.WriteAllBytesAsync(photo, TinyModelServer.Photo("intel__gauge-1.jpg"));
            var script = $"/image {photo}\nWhat does the gauge show?\n/image {Path.Combine(folder, "missing.jpg")}\nAnd the needle?\n/quit\n";
            var chat = await VlProcess.RunAsync(["chat", "--max-tokens", "8", "--temperature", "0", .. Remote], stdin: script);
            Assert.True(chat.ExitCode == 0, $"exit {chat.ExitCode}:\n{chat.StdErr}");
            Assert.Contains("image gauge.jpg: jpeg 269×267", chat.StdErr);
            Assert.Contains("missing.jpg", chat.StdErr); // reported, and the chat went on

            var sessionId = chat.StdErr.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("session ", StringComparison.Ordinal)).Split(' ')[1];
            using var client = server.NewClient();
            var view = await (await client.ResumeSessionAsync(sessionId)).GetAsync();
            Assert.Equal(["user", "assistant", "user", "assistant"], view.Turns.Select(t => t.Role));
            Assert.Equal(["What does the gauge show?", "And the needle?"], new[] { view.Turns[0].Text, view.Turns[2].Text });
            Assert.Equal([view.Images.Single().Id], view.Turns[0].ImageIds);
            // stdout carries only the answers, each ended by a newline, exactly as stored.
            Assert.Equal(view.Turns[1].Text + "\n" + view.Turns[3].Text + "\n", chat.StdOut);
            Assert.True(view.Turns[3].Usage!.CachedPromptTokens > 0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Ask_streams_to_stdout_against_the_server_and_keeps_the_session()
    {
        var folder = Directory.CreateTempSubdirectory("vl-ask-").FullName;
        try
        {
            var photo = Path.Combine(folder, "gauge.jpg");
            await File.WriteAllBytesAsync(photo, TinyModelServer.Photo("intel__gauge-1.jpg"));
            var ask = await VlProcess.RunAsync(["ask", "--image", photo, "What does it show?", "--turn", "Why?", "--max-tokens", "6", "--temperature", "0", .. Remote]);
            Assert.True(ask.ExitCode == 0, $"exit {ask.ExitCode}:\n{ask.StdErr}");
            var sessionId = ask.StdErr.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("session ", StringComparison.Ordinal))[8..];
            using var client = server.NewClient();
            var turns = (await (await client.ResumeSessionAsync(sessionId)).GetAsync()).Turns;
            Assert.Equal($"> What does it show?\n{turns[1].Text}\n> Why?\n{turns[3].Text}\n", ask.StdOut);
            Assert.Contains("turn 2: TTFT", ask.StdErr);

            var refused = await VlProcess.RunAsync(["ask", "--image", photo, "q", "--server", server.BaseAddress.ToString(), "--api-key", "wrong"]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("(unauthorized)", refused.StdErr);
            var both = await VlProcess.RunAsync(["ask", "q", "--server", server.BaseAddress.ToString(), "--model", folder]);
            Assert.Equal(2, both.ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Batch_stops_at_once_when_the_server_refuses_the_key_instead_of_failing_every_image()
    {
        var folder = Directory.CreateTempSubdirectory("vl-batch-key-").FullName;
        try
        {
            for (var i = 0; i < 3; i++) await File.WriteAllBytesAsync(Path.Combine(folder, $"{i}.jpg"), TinyModelServer.Photo("intel__gauge-1.jpg"));
            var output = Path.Combine(folder, "out.jsonl");
            var refused = await VlProcess.RunAsync(["batch", folder, "--question", "q", "--out", output, "--server", server.BaseAddress.ToString(), "--api-key", "wrong"]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("(unauthorized)", refused.StdErr);
            Assert.DoesNotContain("answered", refused.StdErr);
            Assert.Empty(File.ReadAllLines(output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("ask")]
    [InlineData("chat")]
    [InlineData("batch")]
    public async Task Every_answering_command_has_help_naming_both_backends(string command)
    {
        var help = await VlProcess.RunAsync([command, "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains($"vl {command}", help.StdOut);
        Assert.Contains("--server", help.StdOut);
        Assert.Contains("--model", help.StdOut);
        Assert.Contains("VL_SERVER", help.StdOut);
    }
}
