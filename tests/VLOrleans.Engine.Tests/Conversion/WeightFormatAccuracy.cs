using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>One weight variant against the fp32 variant of the same package, over the same prompts.</summary>
/// <param name="MaxRelativeError">max over prompts of max|logit − fp32 logit| / max|fp32 logit| (first answer position).</param>
/// <param name="MeanRelativeError">mean over prompts of mean|logit − fp32 logit| / mean|fp32 logit|.</param>
/// <param name="FirstTokenAgreement">share of prompts whose first greedy token equals fp32's.</param>
/// <param name="TokenAgreement">share of the greedy tokens equal to fp32's before the first divergence (each variant decodes
/// freely from its own tokens, so after a divergence the continuations are not comparable).</param>
public sealed record WeightFormatAccuracyRow(string Variant, double MaxRelativeError, double MeanRelativeError, double FirstTokenAgreement, double TokenAgreement);

/// <summary>
/// The numerical check of the weight formats: every variant of a package runs the same prompts with images end to end
/// through its own graphs (vision graph → host scatter → decoder prefill → greedy decode on the in-place KV cache), and is
/// compared with the fp32 variant. Images are random pixels, prompts chat-shaped with random text ids, so on
/// random-weight models this is a numerical check of the graphs, not of model quality.
/// </summary>
public static class WeightFormatAccuracy
{
    public static IReadOnlyList<WeightFormatAccuracyRow> Measure(string packageFolder, IReadOnlyList<string> variants, int promptCount,
        (int T, int H, int W)[] grids, int steps, int threads)
    {
        var package = ModelPackage.Open(packageFolder);
        var prompts = Enumerable.Range(0, promptCount).Select(p => NewPrompt(package.Config, grids[p % grids.Length], seed: p)).ToArray();
        var fp32 = Run(package, "fp32", prompts, steps, threads);
        var rows = new List<WeightFormatAccuracyRow>();
        foreach (var variant in variants)
        {
            var results = variant == "fp32" ? fp32 : Run(package, variant, prompts, steps, threads);
            double maxRel = 0, meanRel = 0, first = 0, agree = 0;
            for (var p = 0; p < prompts.Length; p++)
            {
                var (a, b) = (results[p].Logits, fp32[p].Logits);
                double diffMax = 0, refMax = 0, diffSum = 0, refSum = 0;
                for (var i = 0; i < b.Length; i++)
                {
                    var d = Math.Abs(a[i] - b[i]);
                    diffMax = Math.Max(diffMax, d);
                    refMax = Math.Max(refMax, Math.Abs(b[i]));
                    diffSum += d;
                    refSum += Math.Abs(b[i]);
                }
                maxRel = Math.Max(maxRel, diffMax / refMax);
                meanRel += diffSum / refSum / prompts.Length;
                if (results[p].Tokens[0] == fp32[p].Tokens[0]) first += 1.0 / prompts.Length;
                var prefix = 0;
                while (prefix < steps && results[p].Tokens[prefix] == fp32[p].Tokens[prefix]) prefix++;
                agree += (double)prefix / steps / prompts.Length;
            }
            rows.Add(new WeightFormatAccuracyRow(variant, maxRel, meanRel, first, agree));
        }
        return rows;
    }

    public static string Table(IReadOnlyList<WeightFormatAccuracyRow> rows, string title) =>
        $"| {title} | max rel. error of logits | mean rel. error | first token = fp32 | greedy tokens = fp32 |\n|---|---|---|---|---|\n"
        + string.Join("\n", rows.Select(r => $"| {r.Variant} | {r.MaxRelativeError:E2} | {r.MeanRelativeError:E2} | {r.FirstTokenAgreement:P0} | {r.TokenAgreement:P0} |"));

    private sealed record PromptCase(long[] Ids, (int T, int H, int W) Grid, float[] Pixels, long[][] Positions, long RopeDelta);

    private sealed record Result(float[] Logits, long[] Tokens);

    private static PromptCase NewPrompt(QwenVlConfig config, (int T, int H, int W) grid, int seed)
    {
        var random = new Random(1000 + seed);
        var ids = new List<long> { 151644, 872, 198, config.VisionStartTokenId };
        ids.AddRange(Enumerable.Repeat((long)config.ImageTokenId, grid.T * grid.H * grid.W / 4));
        ids.Add(config.VisionEndTokenId);
        for (var i = 0; i < 4 + seed % 5; i++) ids.Add(random.Next(100, 150_000));
        ids.AddRange([151645, 198, 151644, 77091, 198]);
        var pixels = new float[grid.T * grid.H * grid.W * config.Vision.PatchRowLength];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var idArray = ids.ToArray();
        var rope = RopeIndex.Compute(QwenVlFamily.Qwen3Vl, idArray.Select(id => (int)id).ToArray(), [new GridThw(grid.T, grid.H, grid.W)]);
        var s = idArray.Length;
        var positions = Enumerable.Range(0, 3).Select(p => rope.Positions.AsSpan(p * s, s).ToArray()).ToArray();
        return new PromptCase(idArray, grid, pixels, positions, rope.RopeDeltas[0]);
    }

    private static Result[] Run(ModelPackage package, string variant, PromptCase[] prompts, int steps, int threads)
    {
        var options = new OnnxSessionOptions { IntraOpThreadCount = threads };
        var config = package.Config;
        var h = config.Text.HiddenSize;
        using var table = EmbeddingTable.Open(package.EmbedTokensPath);
        var features = new (float[] Main, float[][] Deepstack)[prompts.Length];
        using (var vision = OnnxSession.Load(package.VisionPath(variant), options))
        {
            for (var p = 0; p < prompts.Length; p++) features[p] = RunVision(vision, config, prompts[p]);
        }
        using var decoder = OnnxSession.Load(package.DecoderPath(variant), DecodeAttentionOp.Enable(options));
        var results = new Result[prompts.Length];
        for (var p = 0; p < prompts.Length; p++)
        {
            var prompt = prompts[p];
            var slots = new KvSlots(package, variant, 1, prompt.Ids.Length + steps + 1);
            var embeds = new float[prompt.Ids.Length * h];
            table.Lookup(prompt.Ids, embeds);
            var deepstack = features[p].Deepstack;
            var perLayer = new float[prompt.Ids.Length * deepstack.Length * h];
            ImageFeatureBlock[] images = [new(features[p].Main, deepstack.Select(d => (ReadOnlyMemory<float>)d).ToArray())];
            MultimodalEmbeddings.ScatterImageFeatures(prompt.Ids, config.ImageTokenId, images, h, embeds, 0);
            MultimodalEmbeddings.BuildPerLayerInputs(prompt.Ids, config.ImageTokenId, images, deepstack.Length, h, perLayer, 0);
            var logits = slots.Prefill(decoder, 0, embeds, perLayer, prompt.Positions);
            var tokens = new long[steps];
            tokens[0] = ArgMax(logits);
            for (var step = 1; step < steps; step++)
            {
                var next = new float[h];
                table.Lookup([tokens[step - 1]], next);
                tokens[step] = ArgMax(slots.Decode(decoder, next, [slots.Lengths[0] + prompt.RopeDelta])[0]);
            }
            results[p] = new Result(logits, tokens);
        }
        return results;
    }

    private static (float[] Main, float[][] Deepstack) RunVision(OnnxSession session, QwenVlConfig config, PromptCase prompt)
    {
        long[] thw = [prompt.Grid.T, prompt.Grid.H, prompt.Grid.W];
        var aux = VisionAuxInputs.Compute(config.Vision, thw);
        var n = aux.PatchCount;
        using var pixelValues = OnnxValue.CreateTensor(prompt.Pixels, n, config.Vision.PatchRowLength);
        using var grid = OnnxValue.CreateTensor(thw, 1, 3);
        using var indices = OnnxValue.CreateTensor(aux.PosEmbedIndices, n, 4);
        using var weights = OnnxValue.CreateTensor(aux.PosEmbedWeights, n, 4);
        using var cos = OnnxValue.CreateTensor(aux.RotaryCos, n, aux.HeadDim);
        using var sin = OnnxValue.CreateTensor(aux.RotarySin, n, aux.HeadDim);
        using var segments = OnnxValue.CreateTensor(aux.SegmentIds, n);
        var outputNames = new[] { GraphNames.ImageFeatures }
            .Concat(Enumerable.Range(0, config.Vision.DeepstackVisualIndexes.Length).Select(GraphNames.DeepstackFeatures)).ToArray();
        var results = session.Run(
            [GraphNames.PixelValues, GraphNames.ImageGridThw, GraphNames.PosEmbedIndices, GraphNames.PosEmbedWeights,
             GraphNames.RotaryCos, GraphNames.RotarySin, GraphNames.AttentionSegmentIds],
            [pixelValues, grid, indices, weights, cos, sin, segments], outputNames);
        var arrays = results.Select(r => r.ToArray<float>()).ToArray();
        foreach (var r in results) r.Dispose();
        return (arrays[0], arrays[1..]);
    }

    private static long ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
