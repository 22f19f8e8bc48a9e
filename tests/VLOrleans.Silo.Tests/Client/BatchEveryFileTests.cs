using System.Text.Json;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>
/// <c>vl batch</c> over a folder gives every file a row: before issue 22 it dropped files whose extension it did not
/// know (6 of the 50 in ../shared/images/malformed) without a word.
/// </summary>
public sealed class BatchEveryFileTests
{
    /// <summary>The extensions a folder's files are sent for (README: `vl batch`); every other file is skipped with a reason.</summary>
    private static readonly string[] SentExtensions = [".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif"];

    private static string MalformedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "images", "malformed");
            if (Directory.Exists(path)) return path;
        }
        throw new DirectoryNotFoundException("../shared/images/malformed not found: tests read ../shared beside the repository");
    }

    [Fact]
    public async Task Every_file_of_the_malformed_folder_gets_a_row_and_the_skipped_ones_say_why()
    {
        var folder = MalformedFolder();
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var unsent = files.Where(f => !SentExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).ToArray();
        Assert.Equal(50, files.Length);
        Assert.Equal(6, unsent.Length); // .bytes, .heif, 2 × .ico, .svg, .svgz

        var output = Path.Combine(Directory.CreateTempSubdirectory("vl-batch-all-").FullName, "rows.jsonl");
        try
        {
            var run = await VlProcess.RunAsync(["batch", folder, "--question", "What is this?", "--max-tokens", "1", "--temperature", "0",
                "--out", output, "--model", TinyModelServer.PackageFolder, "--threads", "1"], timeout: TimeSpan.FromMinutes(5));
            var rows = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();

            Assert.Equal(files, rows.Select(r => r.GetProperty("file").GetString()));
            var skipped = rows.Where(r => r.GetProperty("error_code").GetString() == "skipped").ToList();
            Assert.Equal(unsent, skipped.Select(r => r.GetProperty("file").GetString()));
            Assert.All(skipped, r =>
            {
                Assert.False(r.GetProperty("ok").GetBoolean());
                Assert.Contains($"'{Path.GetExtension(r.GetProperty("file").GetString())}' is not an image file extension", r.GetProperty("error").GetString());
            });
            Assert.Contains($"{files.Length - unsent.Length} images:", run.StdErr);
            Assert.Contains($"{unsent.Length} files not sent", run.StdErr);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }
    }
}
