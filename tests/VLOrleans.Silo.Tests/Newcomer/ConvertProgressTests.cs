using System.Text.RegularExpressions;
using VLOrleans.Silo.Tests.Client;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>
/// <c>vl make-tiny-model</c> and <c>vl convert</c> show their progress; with stdout redirected (a pipe here, as in a
/// log file or CI) that is a few plain lines — step, percentage, tensors, bytes written, ETA — with no terminal
/// control codes. A checkpoint without its tokenizer is refused with the file's name and exit code 2.
/// </summary>
public sealed partial class ConvertProgressTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-convert-progress-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [GeneratedRegex(@"^convert: (?<step>.+) (?<percent>\d+) ?% \((?<done>\d+)/(?<total>\d+) tensors, [\d.]+ [MG]B written, ETA (\d\d:\d\d:\d\d|unknown)\)$")]
    private static partial Regex ConvertLine();

    [GeneratedRegex(@"^make-tiny-model: weights (?<percent>\d+) ?% \((?<done>\d+)/(?<total>\d+) tensors, [\d.]+ MB written, ETA (\d\d:\d\d:\d\d|unknown)\)$")]
    private static partial Regex TinyLine();

    [Fact]
    public async Task Progress_is_plain_lines_with_tensors_bytes_and_ETA_when_stdout_is_not_a_terminal()
    {
        var checkpoint = Path.Combine(_folder, "hf");
        var made = await VlProcess.RunAsync(["make-tiny-model", "--out", checkpoint]);
        Assert.True(made.ExitCode == 0, made.StdErr);
        var tinyLines = made.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("make-tiny-model:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(tinyLines);
        Assert.All(tinyLines, line => Assert.Matches(TinyLine(), line));
        var lastTiny = TinyLine().Match(tinyLines[^1]);
        Assert.Equal(("100", lastTiny.Groups["total"].Value), (lastTiny.Groups["percent"].Value, lastTiny.Groups["done"].Value));

        var converted = await VlProcess.RunAsync(["convert", "--from", checkpoint, "--to", Path.Combine(_folder, "pkg")], timeout: TimeSpan.FromMinutes(2));
        Assert.True(converted.ExitCode == 0, converted.StdErr);
        Assert.DoesNotContain("\u001b", converted.StdOut);
        var lines = converted.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var progress = lines.Where(l => l.StartsWith("convert: ", StringComparison.Ordinal)).ToList();
        Assert.All(progress, line => Assert.Matches(ConvertLine(), line));
        Assert.Equal(["embed_tokens", "vision (fp32)", "decoder (fp32)", "done"], progress.Select(l => ConvertLine().Match(l).Groups["step"].Value).Distinct().ToArray());
        // Plain mode prints a step's line when it starts and then once per further tenth: a few lines, not one per tensor.
        Assert.InRange(progress.Count, 4, 4 * 11);
        Assert.StartsWith("wrote variant fp32: ", lines[^1]);
    }

    [Fact]
    public async Task A_checkpoint_without_its_tokenizer_is_refused_naming_the_file()
    {
        var checkpoint = Path.Combine(_folder, "hf");
        Assert.Equal(0, (await VlProcess.RunAsync(["make-tiny-model", "--out", checkpoint])).ExitCode);
        File.Delete(Path.Combine(checkpoint, "tokenizer.json"));

        var refused = await VlProcess.RunAsync(["convert", "--from", checkpoint, "--to", Path.Combine(_folder, "pkg")]);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith($"convert: {checkpoint}: the checkpoint has no tokenizer.json;", refused.StdErr);
        Assert.DoesNotContain("   at ", refused.StdErr); // no stack trace
    }
}
