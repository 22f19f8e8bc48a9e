using System.Security.Cryptography;
using System.Text.Json;
using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Preprocessing;

/// <summary>
/// Agreement with Pillow's BICUBIC resize and with HF's Qwen2VLImageProcessor steps in numpy, recorded in
/// tests/fixtures/preprocess/pil_reference.json by tools/reference/preprocess/make_pil_fixtures.py.
/// Resized bytes must be IDENTICAL (same fixed-point arithmetic as Pillow); pixel_values must then match to
/// float32 rounding (the same float64→float32 rescale and float32 normalise order).
/// </summary>
public class PilReferenceTests
{
    private static JsonElement Fixture(string section) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "preprocess", "pil_reference.json"))).RootElement.GetProperty(section);

    public static IEnumerable<object[]> ResizeCases() =>
        Enumerable.Range(0, Fixture("resizes").GetArrayLength()).Select(i => new object[] { i });

    public static IEnumerable<object[]> PipelineCases() =>
        Enumerable.Range(0, Fixture("pipelines").GetArrayLength()).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Bicubic_resize_is_byte_identical_to_pillow(int index)
    {
        var c = Fixture("resizes")[index];
        var image = SyntheticImages.Create(c.GetProperty("generator").GetString()!, c.GetProperty("width").GetInt32(),
            c.GetProperty("height").GetInt32(), c.GetProperty("seed").GetInt32());
        var resized = BicubicResizer.Resize(image, c.GetProperty("target_width").GetInt32(), c.GetProperty("target_height").GetInt32(), 2);

        foreach (var s in c.GetProperty("samples").EnumerateArray())
            Assert.Equal(s[1].GetInt32(), resized.Pixels[s[0].GetInt32()]);
        Assert.Equal(c.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(resized.Pixels)));
    }

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void Pixel_values_match_the_hf_steps(int index)
    {
        var c = Fixture("pipelines")[index];
        var config = new QwenPreprocessorConfig
        {
            PatchSize = c.GetProperty("patch").GetInt32(),
            MergeSize = c.GetProperty("merge").GetInt32(),
            TemporalPatchSize = c.GetProperty("temporal").GetInt32(),
            MinPixels = c.GetProperty("min_pixels").GetInt64(),
            MaxPixels = c.GetProperty("max_pixels").GetInt64(),
            ImageMean = c.GetProperty("mean").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(),
            ImageStd = c.GetProperty("std").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(),
        };
        var image = SyntheticImages.Create(c.GetProperty("generator").GetString()!, c.GetProperty("width").GetInt32(),
            c.GetProperty("height").GetInt32(), c.GetProperty("seed").GetInt32());

        var result = new QwenImageProcessor(config, 2).Process(image);

        Assert.Equal((c.GetProperty("resized_height").GetInt32(), c.GetProperty("resized_width").GetInt32()), (result.ResizedHeight, result.ResizedWidth));
        var grid = c.GetProperty("grid");
        Assert.Equal(new ImageGrid(grid[0].GetInt32(), grid[1].GetInt32(), grid[2].GetInt32()), result.Grid);
        var shape = c.GetProperty("shape");
        Assert.Equal((shape[0].GetInt32(), shape[1].GetInt32()), (result.PatchCount, result.RowLength));
        Assert.Equal(result.PatchCount * result.RowLength, result.PixelValues.Length);

        // The resize inside the pipeline is Pillow's, byte for byte.
        var resized = BicubicResizer.Resize(image, result.ResizedWidth, result.ResizedHeight);
        Assert.Equal(c.GetProperty("resized_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(resized.Pixels)));

        double maxError = 0;
        foreach (var s in c.GetProperty("samples").EnumerateArray())
            maxError = Math.Max(maxError, Math.Abs(s[1].GetDouble() - result.PixelValues[s[0].GetInt32()]));
        Assert.True(maxError <= 1e-6, $"max |error| over samples {maxError}");

        int third = result.RowLength / 3;
        var means = c.GetProperty("channel_means");
        for (int ch = 0; ch < 3; ch++)
        {
            double sum = 0;
            for (int row = 0; row < result.PatchCount; row++)
                for (int i = 0; i < third; i++) sum += result.PixelValues[row * result.RowLength + ch * third + i];
            Assert.Equal(means[ch].GetDouble(), sum / ((double)result.PatchCount * third), 6);
        }
        Assert.Equal(c.GetProperty("max_abs").GetDouble(), result.PixelValues.Max(MathF.Abs), 6);
    }
}
