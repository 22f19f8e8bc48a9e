using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;
using VLOrleans.Engine.Text;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The converted Qwen2-VL / Qwen2.5-VL decoders (q/k/v bias, chunked M-RoPE, no DeepStack) against the plain reference
/// (tests/Reference/ReferenceText): last-position logits of a prompt with images, built by the host path (embedding table,
/// image scatter, product get_rope_index — the reference uses its own ReferenceRopeIndex), then decode steps on the
/// in-place KV cache. Image features come from the reference vision tower, so only the decoder is measured.
/// </summary>
public sealed class Qwen2FamilyDecoderGraphTests(ITestOutputHelper output)
{
    private const int MaxLength = 96;
    private static readonly long[] DecodeTokens = [1000, 2000, 3000];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in new[] { "qwen2_vl", "qwen2_5_vl" })
            foreach (var variant in Qwen2FamilyPackages.Variants) data.Add(family, variant);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImagePromptThenDecodeSteps(string familyName, string variant)
    {
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        var package = Qwen2FamilyPackages.Package(family);
        var config = package.Config;
        Assert.Equal(0, package.Manifest.Decoder.DeepstackCount);
        // One non-square image (6×10 patches → 15 tokens) and one 4×4 image: H and W planes differ, so the chunked
        // section assignment is exercised.
        (int T, int H, int W)[] grids = [(1, 6, 10), (1, 4, 4)];
        var ids = new List<long> { 151644, 872, 198 };
        foreach (var (t, h, w) in grids)
        {
            ids.Add(config.VisionStartTokenId);
            ids.AddRange(Enumerable.Repeat((long)config.ImageTokenId, t * h * w / 4));
            ids.Add(config.VisionEndTokenId);
        }
        ids.AddRange([108, 2014, 30001, 151645, 198, 151644, 77091, 198]);
        var idArray = ids.ToArray();

        var weights = Qwen2FamilyPackages.Weights(family);
        var patches = grids.Sum(g => g.T * g.H * g.W);
        var random = new Random(11);
        var pixels = new float[patches * config.Vision.PatchRowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var features = new ReferenceVisionQwen2(weights).Encode(pixels, grids);

        var (referencePositions, referenceDelta) = ReferenceRopeIndex.Compute(idArray, grids, config);
        var reference = new ReferenceText(weights);
        var cache = reference.NewCache();
        var expected = new List<float[]> { TinyPackage.Flatten(reference.Prefill(cache, idArray, referencePositions, features, lastTokenOnly: true)) };
        foreach (var token in DecodeTokens) expected.Add(reference.Decode(cache, token, referenceDelta));

        var product = RopeIndex.Compute(family, idArray.Select(id => (int)id).ToArray(), grids.Select(g => new GridThw(g.T, g.H, g.W)).ToArray());
        var s = idArray.Length;
        var positions = Enumerable.Range(0, 3).Select(p => product.Positions.AsSpan(p * s, s).ToArray()).ToArray();
        Assert.Equal(referencePositions, positions);
        var embeds = Embed(package, idArray);
        MultimodalEmbeddings.ScatterImageFeatures(idArray, config.ImageTokenId, [new ImageFeatureBlock(TinyPackage.Flatten(features), [])], config.Text.HiddenSize, embeds, 0);

        var session = Qwen2FamilyPackages.Decoder(family, variant);
        var slots = new KvSlots(package, variant, 1, MaxLength);
        var actual = new List<float[]> { slots.Prefill(session, 0, embeds, [], positions) };
        foreach (var token in DecodeTokens)
            actual.Add(slots.Decode(session, Embed(package, [token]), [slots.Lengths[0] + product.RopeDeltas[0]])[0]);

        var errors = actual.Zip(expected, (a, e) => TinyPackage.RelativeError(a, e)).ToArray();
        var absolute = actual.Zip(expected, (a, e) => a.Zip(e, (x, y) => Math.Abs(x - y)).Max()).Max();
        output.WriteLine($"{familyName} {variant}: logits max abs {absolute:E2}; relative prefill {errors[0]:E2}, decode {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= TinyPackage.Bound(variant), $"{familyName} {variant}: error {e:E3}"));
    }

    private static float[] Embed(ModelPackage package, long[] ids)
    {
        using var table = EmbeddingTable.Open(package.EmbedTokensPath);
        var result = new float[ids.Length * table.Width];
        table.Lookup(ids, result);
        return result;
    }
}
