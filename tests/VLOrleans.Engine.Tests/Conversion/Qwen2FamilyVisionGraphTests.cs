using VLOrleans.Engine.Generation.Vision;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The converted Qwen2-VL and Qwen2.5-VL vision graphs against the plain reference (tests/Reference/ReferenceVisionQwen2),
/// run by the engine's <see cref="VisionEncoder"/> (one image per call, one graph run per frame; outputs concatenated) while
/// the reference encodes all images of a case in one pass.
/// Grids (t×h×w patches; Qwen2.5-VL windows are 8×8 patches): 4×4 (one partial window); 12×20 (non-square, 6×10 merge units:
/// windows of 4×4, 4×2, 2×4, 2×2 units); 16×8 (exactly 2×1 windows, where transformers pads a whole empty window);
/// two images, the second with 2 frames (segments per frame and windows numbered across images).
/// </summary>
public sealed class Qwen2FamilyVisionGraphTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var family in new[] { "qwen2_vl", "qwen2_5_vl" })
        {
            foreach (var grid in new[] { "1x4x4", "1x12x20", "1x16x8", "1x4x6+2x10x4" }) data.Add(family, "fp32", grid);
            foreach (var variant in new[] { "fp16", "int8", "int4" }) data.Add(family, variant, "1x12x20");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MatchesReference(string familyName, string variant, string gridText)
    {
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        var grids = gridText.Split('+').Select(g => g.Split('x').Select(int.Parse).ToArray()).Select(g => (T: g[0], H: g[1], W: g[2])).ToArray();
        var config = Qwen2FamilyPackages.Package(family).Config.Vision;
        var patches = grids.Sum(g => g.T * g.H * g.W);
        var random = new Random(patches);
        var pixels = new float[patches * config.PatchRowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var expected = TinyPackage.Flatten(new ReferenceVisionQwen2(Qwen2FamilyPackages.Weights(family)).Encode(pixels, grids));

        var actual = await RunVision(family, variant, pixels, grids);
        var error = TinyPackage.RelativeError(actual, expected);
        var absolute = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{familyName} {variant} {gridText}: image_features max abs {absolute:E2}, relative {error:E2}");
        Assert.True(error <= TinyPackage.Bound(variant), $"{familyName} {variant}: error {error:E3} > {TinyPackage.Bound(variant):E1}");
    }

    /// <summary>The window attention matters: the Qwen2.5-VL graph differs clearly from the same weights with every block
    /// attending over the whole frame (the reference with fullatt on all blocks), so a graph ignoring windows would fail.</summary>
    [Fact]
    public async Task Qwen25WindowsChangeTheFeatures()
    {
        var family = QwenVlFamily.Qwen25Vl;
        (int T, int H, int W)[] grids = [(1, 12, 20)];
        var config = Qwen2FamilyPackages.Package(family).Config.Vision;
        var random = new Random(7);
        var pixels = new float[240 * config.PatchRowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var windowed = TinyPackage.Flatten(new ReferenceVisionQwen2(Qwen2FamilyPackages.Weights(family)).Encode(pixels, grids));
        var reference = new ReferenceVisionQwen2(Qwen2FamilyPackages.Weights(family), allBlocksFullAttention: true);
        var global = TinyPackage.Flatten(reference.Encode(pixels, grids));
        var actual = await RunVision(family, "fp32", pixels, grids);
        Assert.True(TinyPackage.RelativeError(actual, windowed) <= 1e-4);
        Assert.True(TinyPackage.RelativeError(global, windowed) > 1e-2, "windowed and global attention should differ on a 6×10-unit grid");
    }

    /// <summary>Full-attention blocks have no attention_bias (ORT's flash kernel); only Qwen2.5-VL's windowed blocks keep
    /// their window mask.</summary>
    [Theory]
    [InlineData("qwen2_vl")]
    [InlineData("qwen2_5_vl")]
    public void OnlyWindowedBlocksHaveAMask(string familyName)
    {
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        var package = Qwen2FamilyPackages.Package(family);
        var config = package.Config.Vision;
        var expected = Enumerable.Range(0, config.Depth)
            .Select(i => family == QwenVlFamily.Qwen25Vl && !config.FullAttentionBlockIndexes.Contains(i) ? 6 : 3).ToArray();
        Assert.Contains(3, expected);
        if (family == QwenVlFamily.Qwen25Vl) Assert.Contains(6, expected);
        Assert.Equal(expected, VisionEncoderRuns.AttentionInputCounts(package, "fp32"));
    }

    /// <summary>Fed two frames in one run, the mask-free graph fails instead of attending across them.</summary>
    [Theory]
    [InlineData("qwen2_vl")]
    [InlineData("qwen2_5_vl")]
    public void OneRunRefusesTwoFrames(string familyName)
    {
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        var package = Qwen2FamilyPackages.Package(family);
        var pixels = VisionGraphTests.RandomPixels(2 * 8 * 8, package.Config.Vision.PatchRowLength);
        Assert.Throws<OnnxRuntimeException>(() => VisionEncoderRuns.RunAllInOneGraphRun(Qwen2FamilyPackages.Vision(family, "fp32"), package, pixels, [(2, 8, 8)]));
    }

    /// <summary>Runs a family's vision graph through the engine's encoder, image by image: image_features concatenated.</summary>
    internal static async Task<float[]> RunVision(QwenVlFamily family, string variant, float[] pixels, (int T, int H, int W)[] grids) =>
        (await VisionEncoderRuns.EncodeEach(Qwen2FamilyPackages.Package(family), variant, pixels, grids))[0];
}
