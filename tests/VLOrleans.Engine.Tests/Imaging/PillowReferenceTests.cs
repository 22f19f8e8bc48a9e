using System.Text.Json;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Tests.TestSupport;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>
/// Pixels against an independent decoder: tests/fixtures/imaging/pil_reference.json, made by
/// tools/reference/imaging/make_pil_reference.py with Debian's Pillow 9.4 (EXIF transpose, alpha
/// over white as transformers' convert_to_rgb, 64 sampled pixels + channel means per image).
/// </summary>
public sealed class PillowReferenceTests(ITestOutputHelper output)
{
    private static readonly ImageDecoder Decoder = new();
    private static readonly Lazy<JsonElement> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "imaging", "pil_reference.json"))).RootElement);

    public static IEnumerable<object[]> ReferenceImages =>
        Reference.Value.GetProperty("images").EnumerateObject().Select(p => new object[] { p.Name });

    public static IEnumerable<object[]> ExifFiles =>
        Reference.Value.GetProperty("exif").EnumerateObject().Select(p => new object[] { p.Name });

    /// <summary>
    /// Largest allowed per-sample difference. Pillow here decodes through the same Debian
    /// libjpeg-turbo 2.1.5 and libwebp 1.2.4 builds, and both sides flatten alpha and convert CMYK
    /// by the same definitions, so everything matches exactly (measured: 0 on all 23 files) except
    /// 16-bit PNG, which libpng reduces by rounding (v·255/65535) and Pillow by truncation (v≫8).
    /// </summary>
    private static int Tolerance(string file) => file == "real/libvips__sample_16bit.png" ? 1 : 0;

    [Theory]
    [MemberData(nameof(ReferenceImages))]
    public void Pixels_match_pillow(string file)
    {
        var expected = Reference.Value.GetProperty("images").GetProperty(file);
        var parts = file.Split('/');
        var image = Decoder.Decode(File.ReadAllBytes(RepoPaths.SharedFile("images", parts[0], parts[1]))).Image;
        Assert.Equal(expected.GetProperty("width").GetInt32(), image.Width);
        Assert.Equal(expected.GetProperty("height").GetInt32(), image.Height);

        var tolerance = Tolerance(file);
        var worst = 0;
        foreach (var s in expected.GetProperty("samples").EnumerateArray())
        {
            var v = s.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var o = (v[1] * image.Width + v[0]) * 3;
            for (var c = 0; c < 3; c++) worst = Math.Max(worst, Math.Abs(image.Pixels[o + c] - v[2 + c]));
        }
        var means = Means(image);
        var expectedMeans = expected.GetProperty("mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var meanError = means.Zip(expectedMeans, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{file}: worst sample difference {worst}, worst channel-mean difference {meanError:0.####}");
        Assert.True(worst <= tolerance, $"{file}: a sample differs by {worst} > {tolerance}");
        Assert.True(meanError <= Math.Max(0.01, tolerance * 0.5), $"{file}: channel mean differs by {meanError}");
    }

    [Fact]
    public void Dct_scaled_jpeg_matches_libjpeg_scaling_through_pillow_draft()
    {
        // Pillow's draft() asks libjpeg for scale 1/2; we get the same factor (4/8) by setting the budget to exactly that size.
        const string file = "real/minisolar__8k_stars_milky_way.jpg";
        var expected = Reference.Value.GetProperty("scaledJpeg").GetProperty(file);
        var decoder = new ImageDecoder(ImageLimits.Default with { MaxDecodePixels = 4096L * 2048 });
        var image = decoder.Decode(File.ReadAllBytes(RepoPaths.SharedFile("images", "real", "minisolar__8k_stars_milky_way.jpg"))).Image;
        Assert.Equal((expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32()), (image.Width, image.Height));
        var worst = 0;
        foreach (var s in expected.GetProperty("samples").EnumerateArray())
        {
            var v = s.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var o = (v[1] * image.Width + v[0]) * 3;
            for (var c = 0; c < 3; c++) worst = Math.Max(worst, Math.Abs(image.Pixels[o + c] - v[2 + c]));
        }
        Assert.True(worst <= 2, $"scaled sample differs by {worst}");
    }

    [Fact]
    public void Rescaled_webp_keeps_the_full_size_mean()
    {
        // bryce.webp is 11158x2156 (24 Mpx): libwebp rescales while decoding to ≤ 16.78 Mpx; an area rescale keeps channel means.
        const string file = "real/libwebp__bryce.webp";
        var expected = Reference.Value.GetProperty("fullMean").GetProperty(file);
        var result = Decoder.Decode(File.ReadAllBytes(RepoPaths.SharedFile("images", "real", "libwebp__bryce.webp")));
        Assert.Equal((expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32()), (result.Facts.OriginalWidth, result.Facts.OriginalHeight));
        Assert.True(result.Facts.WasScaledDown);
        var means = Means(result.Image);
        var expectedMeans = expected.GetProperty("mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (var c = 0; c < 3; c++) Assert.True(Math.Abs(means[c] - expectedMeans[c]) < 1.0, $"channel {c}: {means[c]} vs {expectedMeans[c]}");
    }

    [Theory]
    [MemberData(nameof(ExifFiles))]
    public void Exif_facts_match_pillow(string file)
    {
        var expected = Reference.Value.GetProperty("exif").GetProperty(file);
        var parts = file.Split('/');
        var facts = Decoder.Decode(File.ReadAllBytes(RepoPaths.SharedFile("images", parts[0], parts[1]))).Facts;
        Assert.Equal(Text(expected, "make"), facts.CameraMake);
        Assert.Equal(Text(expected, "model"), facts.CameraModel);
        Assert.Equal(expected.GetProperty("orientation").GetInt32(), facts.Orientation);
        // EXIF "YYYY:MM:DD HH:MM:SS" → ISO 8601 "YYYY-MM-DDTHH:MM:SS"
        var date = Text(expected, "dateTimeOriginal");
        Assert.Equal(date is null ? null : $"{date[..4]}-{date[5..7]}-{date[8..10]}T{date[11..]}", facts.DateTimeOriginal);
    }

    private static string? Text(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    private static double[] Means(RgbImage image)
    {
        var sums = new long[3];
        for (var i = 0; i < image.Pixels.Length; i += 3)
        {
            sums[0] += image.Pixels[i];
            sums[1] += image.Pixels[i + 1];
            sums[2] += image.Pixels[i + 2];
        }
        var n = (double)image.Width * image.Height;
        return [sums[0] / n, sums[1] / n, sums[2] / n];
    }
}
