using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Runner;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph.Proto;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;
using VLOrleans.Engine.Text;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The float16 KV cache and the decode-step graph (<c>vl convert --kv-cache fp16 --decode-weights int4</c>) on the tiny
/// Qwen3-VL checkpoint, against the plain reference forward (tests/Reference/ReferenceText): the cache's rounding stays
/// small next to any weight format's error, decode steps really run on the int4 graph over the cache the w8a8 prefill
/// wrote, and <see cref="DecoderRunner"/> picks the graph for each kind of run.
/// </summary>
public sealed class DecodeGraphTests(ITestOutputHelper output)
{
    private const int MaxLength = 32;
    private static readonly long[] PromptIds = [151644, 872, 198, 1234, 5678, 99, 4242, 151645, 198, 151644, 77091, 198];
    private static readonly long[] DecodeTokens = [4321, 17, 30000];

    // fp32 weights with an fp16 cache, and w8a8 with an int4 decode graph (fp16 cache by default for quantised formats).
    /// <summary>The tiny package with an fp32 variant on an fp16 cache and a w8a8 variant with an int4 decode graph.</summary>
    internal static ModelPackage MixedPackage => Package.Value;

    private static readonly Lazy<ModelPackage> Package = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vlo-decode-graph-{Environment.ProcessId}");
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, folder, new ConversionOptions { Weights = WeightFormat.Fp32, KvCache = OnnxElementType.Float16 });
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, folder, new ConversionOptions { Weights = WeightFormat.W8A8, DecodeWeights = WeightFormat.Int4 });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return ModelPackage.Open(folder);
    });

    /// <summary>Session options that can load the converter's decoder graphs (both attend with the engine's custom op).</summary>
    private static readonly OnnxSessionOptions WithDecodeAttention = VLOrleans.Engine.Generation.Attention.DecodeAttentionOp.Enable(new() { IntraOpThreadCount = 1 });

    [Fact]
    public void ManifestAndGraphsDescribeTheCacheTypeAndTheDecodeGraph()
    {
        var package = Package.Value;
        var w8a8 = package.Variant("w8a8");
        Assert.Equal("float16", w8a8.KvDtype);
        Assert.Equal("int4", w8a8.DecodeWeights);
        Assert.Equal(32, w8a8.DecodeBlockSize);
        Assert.Equal("switched", w8a8.Attention);
        Assert.Equal("gqa", TinyPackage.Package.Variant("fp32").Attention);
        Assert.True(File.Exists(package.DecodeDecoderPath("w8a8")));
        Assert.Null(package.DecodeDecoderPath("fp32"));
        Assert.Equal(OnnxElementType.Float16, package.KvCacheType("fp32"));

        // Defaults: fp32 weights keep an fp32 cache, quantised formats get fp16.
        Assert.Equal(OnnxElementType.Float, TinyPackage.Package.KvCacheType("fp32"));
        Assert.Equal(OnnxElementType.Float16, TinyPackage.Package.KvCacheType("int4"));
        Assert.Equal(OnnxElementType.Float16, TinyPackage.Package.KvCacheType("w8a8"));

        // The decode graph attends with the engine's own op; the prefill graph switches per run (an If per layer: the own
        // op for one token per row, GQA otherwise); an fp32 cache keeps plain GQA. Both load only with the op's domain.
        Assert.Equal(["vlorleans.DecodeAttention"], AttentionOps(package.DecodeDecoderPath("w8a8")!));
        Assert.Equal(["If(then: vlorleans.DecodeAttention, else: com.microsoft.GroupQueryAttention)"], AttentionOps(package.DecoderPath("w8a8")));
        Assert.Equal(["com.microsoft.GroupQueryAttention"], AttentionOps(TinyPackage.Package.DecoderPath("fp32")));
        Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(package.DecodeDecoderPath("w8a8")!));
        Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(package.DecoderPath("w8a8")));

        using var prefill = OnnxSession.Load(package.DecoderPath("w8a8"), WithDecodeAttention);
        using var decode = OnnxSession.Load(package.DecodeDecoderPath("w8a8")!, WithDecodeAttention);
        Assert.Equal(prefill.Inputs.Select(i => (i.Name, i.ElementType)), decode.Inputs.Select(i => (i.Name, i.ElementType)));
        Assert.Equal(prefill.Outputs.Select(o => (o.Name, o.ElementType)), decode.Outputs.Select(o => (o.Name, o.ElementType)));
        Assert.Equal(OnnxElementType.Float16, prefill.Inputs.Single(i => i.Name == GraphNames.PastKey(0)).ElementType);
        Assert.Equal(OnnxElementType.Float16, decode.Outputs.Single(o => o.Name == GraphNames.PresentValue(0)).ElementType);
    }

    /// <summary>Asked for GroupQueryAttention, both graphs keep it and load in a stock ONNX Runtime.</summary>
    [Fact]
    public void GqaOnlyConversionLoadsWithoutTheEnginesOp()
    {
        var folder = Directory.CreateTempSubdirectory("vlo-gqa-only").FullName;
        try
        {
            ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, folder,
                new ConversionOptions { Weights = WeightFormat.W8A8, DecodeWeights = WeightFormat.Int4, Attention = DecoderAttention.GroupQuery });
            var package = ModelPackage.Open(folder);
            foreach (var path in new[] { package.DecoderPath("w8a8"), package.DecodeDecoderPath("w8a8")! })
            {
                Assert.Equal(["com.microsoft.GroupQueryAttention"], AttentionOps(path));
                using var session = OnnxSession.Load(path, new OnnxSessionOptions { IntraOpThreadCount = 1 });
                Assert.Equal(OnnxElementType.Float16, session.Inputs.Single(i => i.Name == GraphNames.PastKey(0)).ElementType);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The attention ops of a decoder graph, an If listed with its two branches' ops.</summary>
    private static string[] AttentionOps(string path)
    {
        static string Op(NodeProto node) => $"{node.Domain}.{node.OpType}";
        static string Branch(NodeProto node, string name) => Op(node.Attribute.Single(a => a.Name == name).G.Node.Single());
        return [.. ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node
            .Where(n => n.OpType.Contains("Attention", StringComparison.Ordinal) || n.OpType == "If")
            .Select(n => n.OpType == "If" ? $"If(then: {Branch(n, "then_branch")}, else: {Branch(n, "else_branch")})" : Op(n)).Distinct()];
    }

    /// <summary>
    /// Which branch the prefill graph's If takes, read from ONNX Runtime's per-node profile: a prefill chunk (12 tokens)
    /// runs GroupQueryAttention in every layer and never the own op; a decode step (one token) the other way round.
    /// </summary>
    [Fact]
    public void PrefillGraphAttendsWithGqaForChunksAndWithTheOwnOpForDecodeSteps()
    {
        var package = Package.Value;
        var layers = package.Config.Text.LayerCount;
        var folder = Directory.CreateTempSubdirectory("vlo-if-profile").FullName;
        try
        {
            var slots = new KvSlots(package, "w8a8", 1, MaxLength);
            using var table = EmbeddingTable.Open(package.EmbedTokensPath);
            var prefillOps = Profiled(Path.Combine(folder, "prefill"), session =>
            {
                var embeds = new float[PromptIds.Length * table.Width];
                table.Lookup(PromptIds, embeds);
                var positions = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, PromptIds.Length).Select(i => (long)i).ToArray()).ToArray();
                slots.Prefill(session, 0, embeds, new float[PromptIds.Length * package.Manifest.Decoder.DeepstackCount * table.Width], positions);
            });
            var decodeOps = Profiled(Path.Combine(folder, "decode"), session =>
            {
                var next = new float[table.Width];
                table.Lookup([DecodeTokens[0]], next);
                slots.Decode(session, next, [slots.Lengths[0]]);
            });
            Assert.Equal(layers, prefillOps.Count(op => op == "GroupQueryAttention"));
            Assert.DoesNotContain("DecodeAttention", prefillOps);
            Assert.Equal(layers, decodeOps.Count(op => op == "DecodeAttention"));
            Assert.DoesNotContain("GroupQueryAttention", decodeOps);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        // The op_name of every node event in the profile of one session that ran `run` once.
        string[] Profiled(string prefix, Action<OnnxSession> run)
        {
            using (var session = OnnxSession.Load(package.DecoderPath("w8a8"), WithDecodeAttention with { ProfileFilePrefix = prefix })) run(session);
            var file = Directory.GetFiles(Path.GetDirectoryName(prefix)!, Path.GetFileName(prefix) + "*.json").Single();
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            return [.. json.RootElement.EnumerateArray()
                .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
                .Select(e => e.GetProperty("args").GetProperty("op_name").GetString()!)];
        }
    }

    /// <summary>fp16 keeps 11 significant bits (relative rounding ≤ 4.9e-4 per cached element); through the tiny model's
    /// attention that measured 4–8e-4 of max|logit| — 50× below int8's error, ~1,000× above fp32's 6e-7.</summary>
    [Fact]
    public void Fp16CacheOnFp32WeightsStaysCloseToTheReference()
    {
        var package = Package.Value;
        using var session = OnnxSession.Load(package.DecoderPath("fp32"), WithDecodeAttention);
        var (expected, actual) = PrefillAndDecode(package, "fp32", session, session);
        var errors = expected.Zip(actual, (e, a) => TinyPackage.RelativeError(a, e)).ToArray();
        output.WriteLine($"fp32 weights, fp16 cache: prefill {errors[0]:E2}, decode {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= 5e-3, $"error {e:E3}"));
    }

    [Fact]
    public void DecodeStepsRunOnTheInt4GraphOverTheCacheTheW8A8PrefillWrote()
    {
        var package = Package.Value;
        var options = WithDecodeAttention;
        using var prefill = OnnxSession.Load(package.DecoderPath("w8a8"), options);
        using var decode = OnnxSession.Load(package.DecodeDecoderPath("w8a8")!, options);
        var (expected, mixed) = PrefillAndDecode(package, "w8a8", prefill, decode);
        var (_, prefillOnly) = PrefillAndDecode(package, "w8a8", prefill, prefill);

        var errors = expected.Zip(mixed, (e, a) => TinyPackage.RelativeError(a, e)).ToArray();
        output.WriteLine($"w8a8 prefill + int4 decode: prefill {errors[0]:E2}, decode {string.Join(", ", errors.Skip(1).Select(e => e.ToString("E2")))}");
        Assert.True(errors[0] <= TinyPackage.Bound("w8a8"), $"prefill {errors[0]:E3}");
        Assert.All(errors.Skip(1), e => Assert.True(e <= TinyPackage.Bound("int4"), $"decode {e:E3}"));

        // Same prefill, so the same first logits; the steps differ because their weights do (int4 vs w8a8).
        Assert.Equal(prefillOnly[0], mixed[0]);
        var stepDifference = TinyPackage.RelativeError(mixed[1], prefillOnly[1]);
        output.WriteLine($"first decode step, int4 graph vs w8a8 graph: {stepDifference:E2}");
        Assert.True(stepDifference > 1e-3, $"decode graph and prefill graph gave the same step ({stepDifference:E2})");
    }

    /// <summary>
    /// A prompt whose last prefill chunk is a single token takes the If's one-token branch (the engine's attention)
    /// mid-prefill, on top of a cache GroupQueryAttention wrote. On fp32 weights over the float16 cache (no activation
    /// quantisation, whose per-chunk scales would change the numbers by themselves: w8a8 measured 2.8e-2 between the
    /// two chunkings) its logits agree with the same prompt prefilled in one chunk within the cache's rounding, and
    /// with the reference forward as closely as the whole prompt does.
    /// </summary>
    [Fact]
    public void AOneTokenPrefillChunkAgreesWithTheWholePrompt()
    {
        var package = Package.Value;
        float[] LastLogits(int chunkTokens)
        {
            using var runner = new DecoderRunner(package, "fp32", slotCount: 1, MaxLength, WithDecodeAttention);
            var ids = PromptIds.Select(id => (int)id).ToArray();
            var rope = RopeIndex.Compute(package.Config.Family, ids);
            var scheduler = new Scheduler(new KvSlotPool(1), new SchedulerOptions { PrefillChunkTokens = chunkTokens, MaxSequenceLength = MaxLength });
            Assert.True(scheduler.TryEnqueue(new Sequence(new GenerationRequest { Prompt = new PromptTokens(ids), PositionIds = rope.Positions, RopeDelta = rope.RopeDeltas[0] })));
            var logits = new float[runner.VocabSize];
            var chunks = new List<int>();
            for (var plan = scheduler.Schedule([]); plan.Prefill is not null; plan = scheduler.Schedule([]))
            {
                runner.Prefill(plan.Prefill, plan.PrefillStart, plan.PrefillCount, logits);
                chunks.Add(plan.PrefillCount);
                scheduler.CompletePrefillChunk(plan);
            }
            Assert.Equal(chunkTokens >= PromptIds.Length ? [PromptIds.Length] : [PromptIds.Length - 1, 1], chunks);
            return logits;
        }

        var whole = LastLogits(256);
        var split = LastLogits(PromptIds.Length - 1);
        var difference = TinyPackage.RelativeError(split, whole);
        var positions = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, PromptIds.Length).Select(i => (long)i).ToArray()).ToArray();
        var forward = new ReferenceText(TinyPackage.Weights);
        var reference = TinyPackage.Flatten(forward.Prefill(forward.NewCache(), PromptIds, positions, lastTokenOnly: true));
        output.WriteLine($"one-token last chunk vs whole prompt: {difference:E2}; vs reference {TinyPackage.RelativeError(split, reference):E2} (whole: {TinyPackage.RelativeError(whole, reference):E2})");
        Assert.True(difference <= 2e-3, $"one-token chunk differs from the whole prompt by {difference:E3}");
        Assert.True(TinyPackage.RelativeError(split, reference) <= 5e-3, "one-token chunk vs reference");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunnerPrefillsOnTheDecoderAndDecodesOnTheDecodeGraphWhenAsked(bool useDecodeGraph)
    {
        var package = Package.Value;
        var options = WithDecodeAttention;
        using var prefill = OnnxSession.Load(package.DecoderPath("w8a8"), options);
        using var decode = OnnxSession.Load(package.DecodeDecoderPath("w8a8")!, options);
        var (_, manual) = PrefillAndDecode(package, "w8a8", prefill, useDecodeGraph ? decode : prefill);

        using var runner = new DecoderRunner(package, "w8a8", slotCount: 1, MaxLength, options, useDecodeGraph);
        Assert.Equal(useDecodeGraph, runner.HasDecodeGraph);
        Assert.Equal(OnnxElementType.Float16, runner.KvCacheType);
        var ids = PromptIds.Select(id => (int)id).ToArray();
        var rope = RopeIndex.Compute(package.Config.Family, ids);
        var scheduler = new Scheduler(new KvSlotPool(1), new SchedulerOptions { PrefillChunkTokens = 256, MaxSequenceLength = MaxLength });
        Assert.True(scheduler.TryEnqueue(new Sequence(new GenerationRequest { Prompt = new PromptTokens(ids), PositionIds = rope.Positions, RopeDelta = rope.RopeDeltas[0] })));
        var plan = scheduler.Schedule([]);
        var sequence = plan.Prefill!;
        var logits = new float[runner.VocabSize];
        runner.Prefill(sequence, plan.PrefillStart, plan.PrefillCount, logits);
        scheduler.CompletePrefillChunk(plan);
        Assert.Equal(manual[0], logits);
        for (var step = 0; step < DecodeTokens.Length; step++)
        {
            sequence.Generated.Add((int)DecodeTokens[step]);
            runner.Decode([sequence], logits);
            Assert.Equal(manual[step + 1], logits);
        }
    }

    /// <summary>A step with more rows than <c>decodeGraphMaxRows</c> runs on the prefill graph (its int8 GEMM is as fast
    /// once rows share the weights); up to it, on the decode graph.</summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void StepsWithMoreRowsThanTheLimitRunOnThePrefillGraph(int maxRows, bool expectDecodeGraph)
    {
        var package = Package.Value;
        var options = WithDecodeAttention;
        using var prefill = OnnxSession.Load(package.DecoderPath("w8a8"), options);
        using var decode = OnnxSession.Load(package.DecodeDecoderPath("w8a8")!, options);
        long[][] prompts = [PromptIds, [.. PromptIds.Take(7), 151645, 198]];

        // by hand: both prompts into slots 0 and 1, then one two-row step on the graph the limit picks
        var slots = new KvSlots(package, "w8a8", 2, MaxLength);
        using var table = EmbeddingTable.Open(package.EmbedTokensPath);
        for (var slot = 0; slot < 2; slot++)
        {
            var ids = prompts[slot];
            var embeds = new float[ids.Length * table.Width];
            table.Lookup(ids, embeds);
            var positions = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, ids.Length).Select(i => (long)i).ToArray()).ToArray();
            slots.Prefill(prefill, slot, embeds, new float[ids.Length * package.Manifest.Decoder.DeepstackCount * table.Width], positions);
        }
        var next = new float[2 * table.Width];
        table.Lookup([DecodeTokens[0], DecodeTokens[1]], next);
        var expected = slots.Decode(expectDecodeGraph ? decode : prefill, next, [slots.Lengths[0], slots.Lengths[1]]);

        using var runner = new DecoderRunner(package, "w8a8", slotCount: 2, MaxLength, options, useDecodeGraph: true, decodeGraphMaxRows: maxRows);
        var scheduler = new Scheduler(new KvSlotPool(2), new SchedulerOptions { PrefillChunkTokens = 256, MaxSequenceLength = MaxLength });
        foreach (var ids in prompts)
        {
            var intIds = ids.Select(id => (int)id).ToArray();
            var rope = RopeIndex.Compute(package.Config.Family, intIds);
            Assert.True(scheduler.TryEnqueue(new Sequence(new GenerationRequest { Prompt = new PromptTokens(intIds), PositionIds = rope.Positions, RopeDelta = rope.RopeDeltas[0] })));
        }
        var logits = new float[2 * runner.VocabSize];
        for (var plan = scheduler.Schedule([]); plan.Prefill is not null; plan = scheduler.Schedule([]))
        {
            runner.Prefill(plan.Prefill, plan.PrefillStart, plan.PrefillCount, logits.AsSpan(0, runner.VocabSize));
            scheduler.CompletePrefillChunk(plan);
        }
        var batch = scheduler.Schedule([]).Decode.OrderBy(q => q.Slot!.Index).ToList();
        Assert.Equal(2, batch.Count);
        for (var row = 0; row < 2; row++) batch[row].Generated.Add((int)DecodeTokens[row]);
        runner.Decode(batch, logits);
        for (var row = 0; row < 2; row++) Assert.Equal(expected[row], logits.AsSpan(row * runner.VocabSize, runner.VocabSize).ToArray());
    }

    /// <summary>Prefill of <see cref="PromptIds"/> on <paramref name="prefill"/>, then <see cref="DecodeTokens"/> one step each
    /// on <paramref name="decode"/> over the same cache; returns the reference's and the graphs' logits per run.</summary>
    internal static (float[][] Expected, float[][] Actual) PrefillAndDecode(ModelPackage package, string variant, OnnxSession prefill, OnnxSession decode)
    {
        var positions = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, PromptIds.Length).Select(i => (long)i).ToArray()).ToArray();
        var reference = new ReferenceText(TinyPackage.Weights);
        var cache = reference.NewCache();
        var expected = new List<float[]> { TinyPackage.Flatten(reference.Prefill(cache, PromptIds, positions, lastTokenOnly: true)) };
        expected.AddRange(DecodeTokens.Select(token => reference.Decode(cache, token, 0)));

        var slots = new KvSlots(package, variant, 1, MaxLength);
        using var table = EmbeddingTable.Open(package.EmbedTokensPath);
        var embeds = new float[PromptIds.Length * table.Width];
        table.Lookup(PromptIds, embeds);
        var perLayer = new float[PromptIds.Length * package.Manifest.Decoder.DeepstackCount * table.Width];
        var actual = new List<float[]> { slots.Prefill(prefill, 0, embeds, perLayer, positions) };
        foreach (var token in DecodeTokens)
        {
            var next = new float[table.Width];
            table.Lookup([token], next);
            actual.Add(slots.Decode(decode, next, [slots.Lengths[0]])[0]);
        }
        return (expected.ToArray(), actual.ToArray());
    }
}
