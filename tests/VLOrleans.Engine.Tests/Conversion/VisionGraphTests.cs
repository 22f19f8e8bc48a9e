using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Reference;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The converted vision graph against the plain reference forward (tests/Reference/ReferenceVision): image features and
/// every DeepStack feature, for square, non-square and several images in one run, fed the host's aux inputs
/// (<see cref="VisionAuxInputs"/>).
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
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(string variant, string gridText)
    {
        var grids = gridText.Split('+').Select(g => g.Split('x').Select(int.Parse).ToArray()).Select(g => (T: g[0], H: g[1], W: g[2])).ToArray();
        var config = TinyPackage.Package.Config.Vision;
        var patches = grids.Sum(g => g.T * g.H * g.W);
        var random = new Random(patches);
        var pixels = new float[patches * config.PatchRowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var expected = new ReferenceVision(TinyPackage.Weights).Encode(pixels, grids);

        var actual = RunVision(variant, pixels, grids);
        var errors = new List<double> { TinyPackage.RelativeError(actual[0], TinyPackage.Flatten(expected.ImageFeatures)) };
        Assert.Equal(expected.Deepstack.Length, actual.Length - 1);
        for (var j = 0; j < expected.Deepstack.Length; j++)
            errors.Add(TinyPackage.RelativeError(actual[j + 1], TinyPackage.Flatten(expected.Deepstack[j])));
        output.WriteLine($"{variant} {gridText}: image_features {errors[0]:E2}, deepstack {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= TinyPackage.Bound(variant), $"{variant}: error {e:E3} > {TinyPackage.Bound(variant):E1}"));
    }

    /// <summary>Runs the vision graph the way the engine will: aux inputs from <see cref="VisionAuxInputs.Compute"/>.</summary>
    internal static float[][] RunVision(string variant, float[] pixels, (int T, int H, int W)[] grids)
    {
        var config = TinyPackage.Package.Config.Vision;
        var thw = grids.SelectMany(g => new long[] { g.T, g.H, g.W }).ToArray();
        var aux = VisionAuxInputs.Compute(config, thw);
        var n = aux.PatchCount;
        using var pixelValues = OnnxValue.CreateTensor(pixels, n, config.PatchRowLength);
        using var grid = OnnxValue.CreateTensor(thw, grids.Length, 3);
        using var indices = OnnxValue.CreateTensor(aux.PosEmbedIndices, n, 4);
        using var weights = OnnxValue.CreateTensor(aux.PosEmbedWeights, n, 4);
        using var cos = OnnxValue.CreateTensor(aux.RotaryCos, n, aux.HeadDim);
        using var sin = OnnxValue.CreateTensor(aux.RotarySin, n, aux.HeadDim);
        using var segments = OnnxValue.CreateTensor(aux.SegmentIds, n);
        var outputNames = new[] { GraphNames.ImageFeatures }
            .Concat(Enumerable.Range(0, config.DeepstackVisualIndexes.Length).Select(GraphNames.DeepstackFeatures)).ToArray();
        var results = TinyPackage.Vision(variant).Run(
            [GraphNames.PixelValues, GraphNames.ImageGridThw, GraphNames.PosEmbedIndices, GraphNames.PosEmbedWeights,
             GraphNames.RotaryCos, GraphNames.RotarySin, GraphNames.AttentionSegmentIds],
            [pixelValues, grid, indices, weights, cos, sin, segments], outputNames);
        try
        {
            foreach (var r in results) Assert.Equal([aux.MergedTokenCount, config.OutHiddenSize], r.Shape);
            return results.Select(r => r.ToArray<float>()).ToArray();
        }
        finally
        {
            foreach (var r in results) r.Dispose();
        }
    }
}
