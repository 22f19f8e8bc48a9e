using System.Text.Json;
using VLOrleans.Engine.Imaging;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>
/// <c>vl ask --boxes-out</c> end to end, in-process on the tiny model. Its random weights never write grounding JSON by
/// themselves, so the answer is forced into Qwen's shape through <c>--response-schema</c> (the engine's constrained
/// decoding: the model still chooses the numbers); the test reads the printed answer, works out where the box must be
/// (Qwen3-VL: 0…1000 of each side) and checks the written image there against the original.
/// </summary>
public sealed class AskBoxesTests
{
    private const string Schema = """
        {"type": "object", "properties": {"bbox_2d": {"type": "array", "items": {"enum": [100, 250, 500, 750]}, "minItems": 4, "maxItems": 4},
         "label": {"enum": ["bus"]}}, "required": ["bbox_2d", "label"], "additionalProperties": false}
        """;

    [Fact]
    public async Task The_annotated_copy_differs_from_the_original_on_the_boxs_edge()
    {
        var folder = Directory.CreateTempSubdirectory("vl-boxes-").FullName;
        try
        {
            var photo = Path.Combine(folder, "bus.jpg");
            await File.WriteAllBytesAsync(photo, TinyModelServer.Photo("yolov5__bus.jpg"));
            var schema = Path.Combine(folder, "box.schema.json");
            await File.WriteAllTextAsync(schema, Schema);
            var output = Path.Combine(folder, "annotated.jpg");

            var ask = await VlProcess.RunAsync(["ask", "--model", TinyModelServer.PackageFolder, "--image", photo, "--response-schema", schema,
                "--boxes-out", output, "--max-tokens", "80", "--temperature", "0", "Where is the bus? Output its bbox_2d as JSON."], timeout: TimeSpan.FromMinutes(5));

            Assert.True(ask.ExitCode == 0, $"exit {ask.ExitCode}:\n{ask.StdErr}");
            var answer = JsonDocument.Parse(ask.StdOut.Split('\n')[1]).RootElement;
            var v = answer.GetProperty("bbox_2d").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Contains("1 box(es) drawn", ask.StdErr);
            var original = new ImageDecoder().Decode(await File.ReadAllBytesAsync(photo)).Image;
            var annotated = new ImageDecoder().Decode(await File.ReadAllBytesAsync(output)).Image;
            Assert.Equal((original.Width, original.Height), (annotated.Width, annotated.Height));

            // The left edge, one pixel in (the outline is drawn inward), from the top corner down to the bottom one (at
            // least a few pixels: a box written with no height is still drawn): Qwen3-VL's 0…1000 of each side. The copy
            // is a JPEG, so the colour is compared loosely, as the largest difference along the edge.
            var x = (int)Math.Round(Math.Min(v[0], v[2]) / 1000 * original.Width) + 1;
            var top = (int)Math.Round(Math.Min(v[1], v[3]) / 1000 * original.Height);
            var bottom = Math.Max(top + 2, (int)Math.Round(Math.Max(v[1], v[3]) / 1000 * original.Height));
            var difference = Enumerable.Range(top, bottom - top + 1)
                .Max(y => Enumerable.Range(0, 3).Sum(c => Math.Abs(Pixel(annotated, x, y, c) - Pixel(original, x, y, c))));
            Assert.True(difference > 100, $"along x = {x}, y = {top}…{bottom} the copy differs from the original by at most {difference} (sum over RGB)");
            // Away from the box the copy is the original (up to JPEG's loss): the bottom-right corner, far from any edge drawn.
            var far = Enumerable.Range(0, 3).Sum(c => Math.Abs(Pixel(annotated, original.Width - 3, original.Height - 3, c) - Pixel(original, original.Width - 3, original.Height - 3, c)));
            Assert.True(far < 45, $"the bottom-right corner changed by {far}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int Pixel(RgbImage image, int x, int y, int channel) => image.Pixels[y * image.Stride + 3 * x + channel];
}
