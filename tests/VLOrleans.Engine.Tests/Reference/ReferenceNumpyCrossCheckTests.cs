using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Reference;

/// <summary>
/// The C# reference against an independent numpy forward of the same tiny model (vectorised, block-diagonal mask
/// matrix, no KV cache: decode by full recomputation). Golden data: tests/fixtures/models/qwen3vl-tiny-seed0-numpy.json,
/// made by tools/reference/models/qwen3vl_numpy_reference.py (command in its docstring).
/// </summary>
public sealed class ReferenceNumpyCrossCheckTests
{
    // Both sides compute in double from the same bf16 weights; only summation order differs (~1e-13), plus the
    // float32 rounding of the C# outputs (~1e-7 relative of values ≤ ~10).
    private const double Tolerance = 1e-5;

    private static readonly Lazy<JsonNode> Fixture = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "models", "qwen3vl-tiny-seed0-numpy.json")))!);

    [Fact]
    public void Fixture_was_made_from_the_same_tiny_model()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(TinyModelFiles.Qwen3VlTiny, SafetensorsCheckpoint.SingleFileName))));
        Assert.Equal((string?)Fixture.Value["model_safetensors_sha256"], sha);
    }

    [Fact]
    public void Vision_tower_and_deepstack_match_numpy()
    {
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var grids = Grids("vision_grids");
        var count = grids.Sum(g => g.T * g.H * g.W);
        var output = new ReferenceVision(weights).Encode(ReferenceTextTests.Pixels(count * 1536), grids);
        AssertClose(Fixture.Value["image_features"]!.AsArray(), output.ImageFeatures, "image_features");
        var deepstack = Fixture.Value["deepstack"]!.AsArray();
        Assert.Equal(deepstack.Count, output.Deepstack.Length);
        for (var j = 0; j < deepstack.Count; j++) AssertClose(deepstack[j]!.AsArray(), output.Deepstack[j], $"deepstack[{j}]");
    }

    [Fact]
    public void Positions_prefill_and_decode_logits_match_numpy()
    {
        using var weights = new ReferenceWeights(TinyModelFiles.Qwen3VlTiny);
        var f = Fixture.Value;
        var grids = Grids("text_grids");
        var pixelCount = grids.Sum(g => g.T * g.H * g.W) * 1536;
        var vision = new ReferenceVision(weights).Encode(ReferenceTextTests.Pixels(pixelCount), grids);

        var ids = f["input_ids"]!.AsArray().Select(n => (long)n!).ToArray();
        var (positions, delta) = ReferenceRopeIndex.Compute(ids, grids, weights.Config);
        for (var d = 0; d < 3; d++) Assert.Equal(f["position_ids"]![d]!.AsArray().Select(n => (long)n!), positions[d]);
        Assert.Equal((long)f["rope_delta"]!, delta);

        var text = new ReferenceText(weights);
        var cache = text.NewCache();
        var logits = text.Prefill(cache, ids, positions, vision.ImageFeatures, vision.Deepstack);
        var probe = f["probe_ids"]!.AsArray().Select(n => (int)n!).ToArray();
        AssertClose(f["prefill_logits"]!.AsArray(), Columns(logits, probe), "prefill logits");
        var argmax = f["prefill_argmax"]!.AsArray().Select(n => (int)n!).ToArray();
        for (var s = 0; s < ids.Length; s++) Assert.Equal(argmax[s], ArgMax(logits, s));

        var decodeIds = f["decode_ids"]!.AsArray().Select(n => (long)n!).ToArray();
        var expected = f["decode_logits"]!.AsArray();
        for (var i = 0; i < decodeIds.Length; i++)
        {
            var step = text.Decode(cache, decodeIds[i], delta);
            for (var k = 0; k < probe.Length; k++) Assert.Equal((double)expected[i]![k]!, step[probe[k]], Tolerance);
        }
    }

    private static (int T, int H, int W)[] Grids(string key) =>
        Fixture.Value[key]!.AsArray().Select(g => ((int)g![0]!, (int)g[1]!, (int)g[2]!)).ToArray();

    private static float[,] Columns(float[,] logits, int[] columns)
    {
        var result = new float[logits.GetLength(0), columns.Length];
        for (var r = 0; r < logits.GetLength(0); r++)
            for (var k = 0; k < columns.Length; k++) result[r, k] = logits[r, columns[k]];
        return result;
    }

    private static int ArgMax(float[,] logits, int row)
    {
        var best = 0;
        for (var v = 1; v < logits.GetLength(1); v++) if (logits[row, v] > logits[row, best]) best = v;
        return best;
    }

    private static void AssertClose(JsonArray expected, float[,] actual, string what)
    {
        Assert.Equal(expected.Count, actual.GetLength(0));
        double worst = 0;
        for (var r = 0; r < expected.Count; r++)
        {
            var row = expected[r]!.AsArray();
            Assert.Equal(row.Count, actual.GetLength(1));
            for (var c = 0; c < row.Count; c++) worst = Math.Max(worst, Math.Abs((double)row[c]! - actual[r, c]));
        }
        Assert.True(worst < Tolerance, $"{what}: max |numpy − C#| = {worst:E2}");
    }
}
