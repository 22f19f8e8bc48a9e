using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Tests.Reference;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>The host-side helpers of engine/Models/Package against the reference's position formulas, and their input checks.</summary>
public sealed class HostHelperTests
{
    private static readonly QwenVisionConfig Vision = QwenVlConfig.Parse(File.ReadAllText(Path.Combine(TinyModels.TinyModelFiles.Qwen3VlTiny, "config.json"))).Vision;

    [Fact]
    public void VisionAuxInputsMatchTheReferencePositionsForANonSquareGridAndTwoFrames()
    {
        const int t = 2, h = 6, w = 10;
        var aux = VisionAuxInputs.Compute(Vision, [t, h, w]);
        Assert.Equal(t * h * w, aux.PatchCount);
        Assert.Equal(t * h * w / 4, aux.MergedTokenCount);
        // A random table makes any wrong index or weight visible in the blend.
        var random = new Random(3);
        const int width = 5;
        var table = Enumerable.Range(0, 48 * 48 * width).Select(_ => (float)random.NextDouble()).ToArray();
        var expected = ReferenceVisionPositions.InterpolateTable(table, 48, width, h, w);
        var order = ReferenceVisionPositions.MergeOrder(h, w, 2);
        for (var n = 0; n < aux.PatchCount; n++)
        {
            var (row, col) = order[n % (h * w)];
            Assert.Equal(n / (h * w), aux.SegmentIds[n]);
            for (var e = 0; e < width; e++)
            {
                double blended = 0;
                for (var j = 0; j < 4; j++) blended += aux.PosEmbedWeights[n * 4 + j] * table[aux.PosEmbedIndices[n * 4 + j] * width + e];
                Assert.Equal(expected[row * w + col][e], blended, tolerance: 1e-5);
            }
            var angles = ReferenceVisionPositions.RotaryAngles(row, col, aux.HeadDim);
            for (var i = 0; i < aux.HeadDim; i++)
            {
                Assert.Equal(Math.Cos(angles[i % angles.Length]), aux.RotaryCos[n * aux.HeadDim + i], tolerance: 1e-5);
                Assert.Equal(Math.Sin(angles[i % angles.Length]), aux.RotarySin[n * aux.HeadDim + i], tolerance: 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(1, 5, 4)] // odd height: not a multiple of the merge size
    [InlineData(0, 4, 4)] // no frames
    [InlineData(1, 4)]    // not 3 values per image
    public void BadGridsAreRejected(params int[] grid) =>
        Assert.Throws<ArgumentException>(() => VisionAuxInputs.Compute(Vision, grid.Select(v => (long)v).ToArray()));

    [Fact]
    public void ImageScatterAndPerLayerInputsFollowImageTokensAndChunks()
    {
        const long image = 151655;
        const int hidden = 2;
        long[] ids = [1, image, image, 2, image];
        float[] features = [10, 11, 20, 21, 30, 31];
        float[] deep0 = [-10, -11, -20, -21, -30, -31];
        float[] deep1 = [100, 101, 200, 201, 300, 301];
        // The same three rows as one image, or as two images (2 rows + 1 row) taken one after the other.
        ImageFeatureBlock[] one = [new(features, [deep0, deep1])];
        ImageFeatureBlock[] two = [new(features.AsMemory(0, 4), [deep0.AsMemory(0, 4), deep1.AsMemory(0, 4)]), new(features.AsMemory(4), [deep0.AsMemory(4), deep1.AsMemory(4)])];
        foreach (var images in new[] { one, two })
        {
            var embeds = Enumerable.Repeat(7f, ids.Length * hidden).ToArray();
            Assert.Equal(3, MultimodalEmbeddings.ScatterImageFeatures(ids, image, images, hidden, embeds));
            Assert.Equal([7, 7, 10, 11, 20, 21, 7, 7, 30, 31], embeds);
            var perLayer = Enumerable.Repeat(9f, ids.Length * 2 * hidden).ToArray();
            Assert.Equal(3, MultimodalEmbeddings.BuildPerLayerInputs(ids, image, images, 2, hidden, perLayer));
            Assert.Equal([0, 0, 0, 0, -10, -11, 100, 101, -20, -21, 200, 201, 0, 0, 0, 0, -30, -31, 300, 301], perLayer);

            // A chunk [image, 2, image] starting after the first image token continues at feature row 1.
            long[] chunk = [image, 2, image];
            var chunkEmbeds = new float[chunk.Length * hidden];
            Assert.Equal(2, MultimodalEmbeddings.ScatterImageFeatures(chunk, image, images, hidden, chunkEmbeds, firstFeatureRow: 1));
            Assert.Equal([20, 21, 0, 0, 30, 31], chunkEmbeds);
            Assert.Throws<ArgumentException>(() => MultimodalEmbeddings.ScatterImageFeatures(chunk, image, images, hidden, chunkEmbeds, firstFeatureRow: 2));
        }
    }

    [Fact]
    public void EmbeddingLookupWidensStoredRowsAndRejectsUnknownIds()
    {
        using var table = EmbeddingTable.Open(TinyPackage.Package.EmbedTokensPath);
        var stored = TinyPackage.Weights["model.language_model.embed_tokens.weight"];
        var rows = new float[2 * table.Width];
        table.Lookup([0, 151935], rows);
        Assert.Equal(stored.AsSpan(0, table.Width).ToArray(), rows[..table.Width]);
        Assert.Equal(stored.AsSpan(151935 * table.Width, table.Width).ToArray(), rows[table.Width..]);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Lookup([151936], rows));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Lookup([-1], rows));
    }
}
