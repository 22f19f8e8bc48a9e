using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Tests.Reference;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The converted decoder against the plain reference forward (tests/Reference/ReferenceText): last-position logits of
/// prompts with one and two images (inputs built by the host path: <see cref="EmbeddingTable"/> lookup,
/// <see cref="MultimodalEmbeddings"/> image scatter and per_layer_inputs; positions and decode positions from the
/// product get_rope_index in engine/Text, while the reference uses its own ReferenceRopeIndex),
/// then decode steps on the in-place KV cache, a batch of sequences of different lengths decoding in one run, and a
/// prefill split into chunks. Image features come from the reference vision tower, so only the decoder is measured.
/// </summary>
public sealed class DecoderGraphTests(ITestOutputHelper output)
{
    private const int MaxLength = 64;
    private static readonly long[] DecodeTokens = [1000, 2000, 3000];

    public static TheoryData<string> Variants() => ["fp32", "fp16", "int8", "int4", "w8a8"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void OneImagePromptThenDecodeSteps(string variant)
    {
        var sequence = Sequence.Create([(1, 4, 4)], seed: 1);
        var slots = new KvSlots(TinyPackage.Package, variant, 1, MaxLength);
        var session = TinyPackage.Decoder(variant);
        var errors = new List<double> { Error(slots.Prefill(session, 0, sequence.Embeds, sequence.PerLayer, sequence.Positions), sequence.PrefillLogits) };
        for (var step = 0; step < DecodeTokens.Length; step++)
        {
            var logits = slots.Decode(session, Embed([DecodeTokens[step]]), [slots.Lengths[0] + sequence.RopeDelta]);
            errors.Add(Error(logits[0], sequence.Decode(step)));
        }
        output.WriteLine($"{variant}: prefill {errors[0]:E2}, decode {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= TinyPackage.Bound(variant), $"{variant}: error {e:E3}"));
    }

    [Fact]
    public void TwoImagePrompt()
    {
        var sequence = Sequence.Create([(1, 4, 6), (1, 8, 4)], seed: 2);
        var slots = new KvSlots(TinyPackage.Package, "fp32", 1, MaxLength);
        var error = Error(slots.Prefill(TinyPackage.Decoder("fp32"), 0, sequence.Embeds, sequence.PerLayer, sequence.Positions), sequence.PrefillLogits);
        output.WriteLine($"fp32 two images: {error:E2}");
        Assert.True(error <= 1e-4, $"error {error:E3}");
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("int4")]
    public void SequencesOfDifferentLengthsDecodeInOneRun(string variant)
    {
        // Three rows: one image (17 tokens), two images (29), text only (11): different past lengths in shared buffers.
        Sequence[] sequences = [Sequence.Create([(1, 4, 4)], seed: 3), Sequence.Create([(1, 4, 6), (1, 8, 4)], seed: 4), Sequence.Create([], seed: 5)];
        var session = TinyPackage.Decoder(variant);
        var slots = new KvSlots(TinyPackage.Package, variant, sequences.Length, MaxLength);
        var errors = new List<double>();
        for (var r = 0; r < sequences.Length; r++)
            errors.Add(Error(slots.Prefill(session, r, sequences[r].Embeds, sequences[r].PerLayer, sequences[r].Positions), sequences[r].PrefillLogits));
        Assert.Equal(3, slots.Lengths.Distinct().Count());
        for (var step = 0; step < DecodeTokens.Length; step++)
        {
            // Each row gets a different token so rows cannot be confused.
            var tokens = Enumerable.Range(0, sequences.Length).Select(r => DecodeTokens[step] + 7 * r).ToArray();
            var positions = Enumerable.Range(0, sequences.Length).Select(r => slots.Lengths[r] + sequences[r].RopeDelta).ToArray();
            var logits = slots.Decode(session, Embed(tokens), positions);
            for (var r = 0; r < sequences.Length; r++) errors.Add(Error(logits[r], sequences[r].Decode(step, tokens[r])));
        }
        output.WriteLine($"{variant} batch of {sequences.Length}: max error {errors.Max():E2}");
        Assert.All(errors, e => Assert.True(e <= TinyPackage.Bound(variant), $"{variant}: error {e:E3}"));
    }

    [Fact]
    public void PrefillInChunksOnTheSameSlot()
    {
        // Split inside the image: the second chunk continues with image feature row 5 and DeepStack rows from 5 on.
        var sequence = Sequence.Create([(1, 4, 6), (1, 8, 4)], seed: 6);
        var slots = new KvSlots(TinyPackage.Package, "fp32", 2, MaxLength);
        var session = TinyPackage.Decoder("fp32");
        var firstImageToken = Array.IndexOf(sequence.Ids, (long)TinyPackage.Package.Config.ImageTokenId);
        var split = firstImageToken + 5;
        float[] logits = [];
        foreach (var (start, end) in new[] { (0, split), (split, sequence.Ids.Length) })
        {
            var chunk = sequence.Ids[start..end];
            var before = sequence.Ids[..start].Count(id => id == TinyPackage.Package.Config.ImageTokenId);
            var (embeds, perLayer) = HostInputs(chunk, sequence.Features, sequence.Deepstack, before);
            var positions = sequence.Positions.Select(p => p[start..end]).ToArray();
            logits = slots.Prefill(session, 1, embeds, perLayer, positions);
        }
        var error = Error(logits, sequence.PrefillLogits);
        output.WriteLine($"fp32 chunked prefill: {error:E2}");
        Assert.True(error <= 1e-4, $"error {error:E3}");
    }

    private static double Error(float[] actual, float[] expected) => TinyPackage.RelativeError(actual, expected);

    private static float[] Embed(long[] ids)
    {
        using var table = EmbeddingTable.Open(TinyPackage.Package.EmbedTokensPath);
        var result = new float[ids.Length * table.Width];
        table.Lookup(ids, result);
        return result;
    }

    /// <summary>The engine's host path: embedding rows, image features scattered, DeepStack features laid out per layer.</summary>
    private static (float[] Embeds, float[] PerLayer) HostInputs(long[] ids, float[] features, float[][] deepstack, int firstFeatureRow)
    {
        var config = TinyPackage.Package.Config;
        var h = config.Text.HiddenSize;
        var embeds = Embed(ids);
        var perLayer = new float[ids.Length * deepstack.Length * h];
        if (features.Length > 0)
        {
            ImageFeatureBlock[] images = [new(features, deepstack.Select(d => (ReadOnlyMemory<float>)d).ToArray())];
            MultimodalEmbeddings.ScatterImageFeatures(ids, config.ImageTokenId, images, h, embeds, firstFeatureRow);
            MultimodalEmbeddings.BuildPerLayerInputs(ids, config.ImageTokenId, images, deepstack.Length, h, perLayer, firstFeatureRow);
        }
        return (embeds, perLayer);
    }

    /// <summary>One prompt with its reference results: chat-like ids with image pads, features, positions and the
    /// reference's prefill logits; decode steps are computed on demand against the same reference cache.</summary>
    private sealed class Sequence
    {
        private ReferenceText _reference = null!;
        private ReferenceKvCache _cache = null!;
        private int _decoded;

        public long[] Ids { get; private init; } = [];
        public float[] Features { get; private init; } = [];
        public float[][] Deepstack { get; private init; } = [];
        public float[] Embeds { get; private init; } = [];
        public float[] PerLayer { get; private init; } = [];
        public long[][] Positions { get; private init; } = [];
        /// <summary>Decode positions are length + this (product get_rope_index).</summary>
        public long RopeDelta { get; private init; }
        public long ReferenceRopeDelta { get; private init; }
        public float[] PrefillLogits { get; private init; } = [];

        public static Sequence Create((int T, int H, int W)[] grids, int seed)
        {
            var config = TinyPackage.Package.Config;
            var ids = new List<long> { 151644, 872, 198 };
            foreach (var (t, h, w) in grids)
            {
                ids.Add(config.VisionStartTokenId);
                ids.AddRange(Enumerable.Repeat((long)config.ImageTokenId, t * h * w / 4));
                ids.Add(config.VisionEndTokenId);
            }
            ids.AddRange([100 + seed, 2000 + seed, 30000 + seed, 151645, 198, 151644, 77091, 198]);
            var idArray = ids.ToArray();

            float[,]? features = null;
            float[][,]? deepstack = null;
            if (grids.Length > 0)
            {
                var patches = grids.Sum(g => g.T * g.H * g.W);
                var random = new Random(seed);
                var pixels = new float[patches * config.Vision.PatchRowLength];
                for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
                var vision = new ReferenceVision(TinyPackage.Weights).Encode(pixels, grids);
                features = vision.ImageFeatures;
                deepstack = vision.Deepstack;
            }
            var (referencePositions, referenceDelta) = ReferenceRopeIndex.Compute(idArray, grids, config);
            var product = VLOrleans.Engine.Text.RopeIndex.Compute(VLOrleans.Engine.Models.QwenVlFamily.Qwen3Vl, idArray.Select(id => (int)id).ToArray(),
                grids.Select(g => new VLOrleans.Engine.Text.GridThw(g.T, g.H, g.W)).ToArray());
            var s = idArray.Length;
            var positions = Enumerable.Range(0, 3).Select(p => product.Positions.AsSpan(p * s, s).ToArray()).ToArray();
            var delta = product.RopeDeltas[0];
            var reference = new ReferenceText(TinyPackage.Weights);
            var cache = reference.NewCache();
            var logits = reference.Prefill(cache, idArray, referencePositions, features, deepstack, lastTokenOnly: true);
            var flatFeatures = features is null ? [] : TinyPackage.Flatten(features);
            var flatDeepstack = deepstack?.Select(TinyPackage.Flatten).ToArray() ?? Enumerable.Range(0, config.Vision.DeepstackVisualIndexes.Length).Select(_ => Array.Empty<float>()).ToArray();
            var (embeds, perLayer) = HostInputs(idArray, flatFeatures, flatDeepstack, 0);
            return new Sequence
            {
                _reference = reference,
                _cache = cache,
                Ids = idArray,
                Features = flatFeatures,
                Deepstack = flatDeepstack,
                Embeds = embeds,
                PerLayer = perLayer,
                Positions = positions,
                RopeDelta = delta,
                ReferenceRopeDelta = referenceDelta,
                PrefillLogits = TinyPackage.Flatten(logits),
            };
        }

        /// <summary>Reference logits of decode step <paramref name="step"/> (steps must be asked in order).</summary>
        public float[] Decode(int step, long? token = null)
        {
            Assert.Equal(_decoded, step);
            _decoded++;
            return _reference.Decode(_cache, token ?? DecodeTokens[step], ReferenceRopeDelta);
        }
    }
}
