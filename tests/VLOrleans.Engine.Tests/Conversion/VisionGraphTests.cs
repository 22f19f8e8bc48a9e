using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Reference;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The converted vision graph, run by the engine's VisionEncoder (one graph run per frame), against the plain reference
/// forward (tests/Reference/ReferenceVision), which encodes all images of a case in one pass with cu_seqlens-style
/// per-frame attention: image features and every DeepStack feature, for square, non-square, two images of different
/// sizes (encoded one by one, concatenated) and a 2-frame grid (two runs inside the encoder).
/// </summary>
public sealed class VisionGraphTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var variant in new[] { "fp32", "fp16", "int8", "int4", "w8a8" })
        {
            data.Add(variant, "1x4x4");
            data.Add(variant, "1x6x10");
            data.Add(variant, "1x4x6+1x8x4");
        }
        data.Add("fp32", "2x4x6");
        data.Add("fp32", "1x8x4+2x4x6+1x6x10");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MatchesReference(string variant, string gridText)
    {
        var grids = ParseGrids(gridText);
        var config = TinyPackage.Package.Config.Vision;
        var pixels = RandomPixels(grids.Sum(g => g.T * g.H * g.W), config.PatchRowLength);
        var expected = new ReferenceVision(TinyPackage.Weights).Encode(pixels, grids);

        var actual = await VisionEncoderRuns.EncodeEach(TinyPackage.Package, variant, pixels, grids);
        var errors = new List<double> { TinyPackage.RelativeError(actual[0], TinyPackage.Flatten(expected.ImageFeatures)) };
        Assert.Equal(expected.Deepstack.Length, actual.Length - 1);
        for (var j = 0; j < expected.Deepstack.Length; j++)
            errors.Add(TinyPackage.RelativeError(actual[j + 1], TinyPackage.Flatten(expected.Deepstack[j])));
        output.WriteLine($"{variant} {gridText}: image_features {errors[0]:E2}, deepstack {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= TinyPackage.Bound(variant), $"{variant}: error {e:E3} > {TinyPackage.Bound(variant):E1}"));
    }

    /// <summary>No attention mask anywhere: every MultiHeadAttention node takes only q, k, v (no attention_bias), the
    /// condition for ORT's CPU flash kernel.</summary>
    [Fact]
    public void AttentionHasNoBias()
    {
        var counts = VisionEncoderRuns.AttentionInputCounts(TinyPackage.Package, "fp32");
        Assert.Equal(TinyPackage.Package.Config.Vision.Depth, counts.Length);
        Assert.All(counts, c => Assert.Equal(3, c));
    }

    /// <summary>A mask-free graph fed two images or two frames in one run would attend across them; it refuses instead
    /// (image_grid_thw is [1, 3]; the patch rows must be h·w). With the session's full optimisation, as the engine runs it.</summary>
    [Theory]
    [InlineData("1x4x4+1x4x4")]
    [InlineData("2x4x4")]
    public void OneRunRefusesSeveralFrames(string gridText)
    {
        var grids = ParseGrids(gridText);
        var pixels = RandomPixels(grids.Sum(g => g.T * g.H * g.W), TinyPackage.Package.Config.Vision.PatchRowLength);
        var error = Assert.Throws<OnnxRuntimeException>(() => VisionEncoderRuns.RunAllInOneGraphRun(TinyPackage.Vision("fp32"), TinyPackage.Package, pixels, grids));
        output.WriteLine(error.Message);
    }

    internal static (int T, int H, int W)[] ParseGrids(string text) =>
        text.Split('+').Select(g => g.Split('x').Select(int.Parse).ToArray()).Select(g => (g[0], g[1], g[2])).ToArray();

    internal static float[] RandomPixels(int patches, int rowLength)
    {
        var random = new Random(patches);
        var pixels = new float[patches * rowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        return pixels;
    }
}
