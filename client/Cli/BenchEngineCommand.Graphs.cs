using System.Diagnostics;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Vision;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Cli;

/// <summary>
/// <c>vl bench-engine --graphs int4,w8a8</c>: the package's graphs alone, several weight variants loaded side by side and
/// run in turn (A, B, A, B, …), so a machine shared with other work slows every variant alike and the ratios hold even
/// when the absolute times do not. Measures the vision encoder on a 640×480 image (grid 1×30×40, 1,200 patches), a
/// 320-token prefill (the image's 300 tokens plus a question) and decode steps for 1 and 8 sequences with 320 tokens of
/// past. Input values are random: the speed of these kernels does not depend on them.
/// </summary>
internal static partial class BenchEngineCommand
{
    private const int PrefillTokens = 320;
    private const int MaxLength = 512;

    private static Dictionary<string, double> RunGraphs(ModelPackage package, IReadOnlyList<string> variants, int threads, int repeats, string? profile, OnnxDevice device)
    {
        var options = new OnnxSessionOptions { IntraOpThreadCount = threads, ExecutionProvider = device.Provider, CudaDeviceId = device.Index };
        var config = package.Config;
        var d = package.Manifest.Decoder;
        var random = new Random(1);
        long[] thw = [1, 30, 40];
        var aux = VisionAuxInputs.Compute(config.Vision, thw);
        var pixels = RandomFloats(random, aux.PatchCount * config.Vision.PatchRowLength);
        var prefillEmbeds = RandomFloats(random, PrefillTokens * d.HiddenSize, 0.05);
        var decodeEmbeds = RandomFloats(random, 8 * d.HiddenSize, 0.05);

        var graphs = variants.Select(v =>
        {
            Console.Error.WriteLine($"loading {v}");
            var vision = profile is null ? options : options with { ProfileFilePrefix = $"{profile}-{v}-vision" };
            var decoder = VLOrleans.Engine.Generation.Attention.DecodeAttentionOp.Enable(
                profile is null ? options : options with { ProfileFilePrefix = $"{profile}-{v}-decoder" });
            var decodePath = package.DecodeDecoderPath(v);
            return (Name: v, Vision: OnnxSession.Load(package.VisionPath(v), vision), Decoder: OnnxSession.Load(package.DecoderPath(v), decoder),
                Decode: decodePath is null ? null : OnnxSession.Load(decodePath, decoder));
        }).ToArray();
        // One set of KV buffers per cache element type among the variants (fp16 for the quantised formats by default).
        var kvByType = variants.Select(package.KvCacheType).Distinct()
            .ToDictionary(t => t, t => new KvCacheBuffers(t, d.LayerCount, 8, d.KeyValueHeadCount, MaxLength, d.HeadDim));
        var times = new Dictionary<string, List<double>>();
        void Time(string key, Action action)
        {
            var clock = Stopwatch.StartNew();
            action();
            if (!times.TryGetValue(key, out var list)) times[key] = list = [];
            list.Add(clock.Elapsed.TotalSeconds);
        }
        try
        {
            for (var r = -1; r < repeats; r++) // r = −1: warm-up, not recorded
            {
                foreach (var (name, vision, decoder, decode) in graphs)
                {
                    var key = r < 0 ? "warmup" : name;
                    var kv = kvByType[package.KvCacheType(name)];
                    Time($"{key}.vision_640x480_s", () => RunVision(vision, config, pixels, thw, aux));
                    Time($"{key}.prefill_{PrefillTokens}_s", () => RunDecoder(decoder, d, kv, batch: 1, PrefillTokens, prefillEmbeds, past: 0));
                    Time($"{key}.decode_step_1_s", () => RunDecoder(decoder, d, kv, batch: 1, 1, decodeEmbeds, past: PrefillTokens));
                    Time($"{key}.decode_step_8_s", () => RunDecoder(decoder, d, kv, batch: 8, 1, decodeEmbeds, past: PrefillTokens));
                    if (decode is not null)
                    {
                        Time($"{key}.decode_graph_step_1_s", () => RunDecoder(decode, d, kv, batch: 1, 1, decodeEmbeds, past: PrefillTokens));
                        Time($"{key}.decode_graph_step_8_s", () => RunDecoder(decode, d, kv, batch: 8, 1, decodeEmbeds, past: PrefillTokens));
                    }
                    Console.Error.WriteLine($"round {r}: {name} done");
                }
            }
        }
        finally
        {
            foreach (var g in graphs)
            {
                g.Vision.Dispose();
                g.Decoder.Dispose();
                g.Decode?.Dispose();
            }
            foreach (var kv in kvByType.Values) kv.Dispose();
        }
        var results = times.Where(t => !t.Key.StartsWith("warmup", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => Median(t.Value));
        foreach (var (name, _, _, _) in graphs.Skip(1))
        {
            foreach (var key in results.Keys.Where(k => k.StartsWith(graphs[0].Name + ".", StringComparison.Ordinal)).ToArray())
            {
                var metric = key[(graphs[0].Name.Length + 1)..];
                // A metric only one of the two has (the decode-step graph of a variant converted with --decode-weights) has no ratio.
                if (results.TryGetValue($"{name}.{metric}", out var other)) results[$"speedup_{name}_over_{graphs[0].Name}.{metric}"] = results[key] / other;
            }
        }
        return results;
    }

    private static float[] RandomFloats(Random random, int count, double scale = 1)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    /// <summary>One run of the vision graph, its inputs built the way the engine builds them (whatever the family declares).</summary>
    private static void RunVision(OnnxSession session, VLOrleans.Engine.Models.QwenVlConfig config, float[] pixels, long[] thw, VisionAuxInputs aux)
    {
        var names = session.Inputs.Select(i => i.Name).ToArray();
        var inputs = names.Select(name => VisionGraphInputs.Create(name, pixels, thw, aux, config.Vision.PatchRowLength)).ToArray();
        try
        {
            foreach (var o in session.Run(names, inputs, GraphNames.ImageFeatures)) o.Dispose();
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    /// <summary>One decoder run over rows 0..batch−1 of the shared buffers, each row with <paramref name="past"/> valid tokens.</summary>
    private static void RunDecoder(OnnxSession session, DecoderGraphEntry d, KvCacheBuffers kv, int batch, int s, float[] embeds, int past)
    {
        var values = new List<OnnxValue>();
        var names = new List<string> { GraphNames.InputsEmbeds, GraphNames.PositionIds, GraphNames.AttentionMask };
        var outputNames = new List<string> { GraphNames.Logits };
        var outputs = new List<OnnxValue?> { null };
        try
        {
            values.Add(OnnxValue.CreateTensor(embeds.AsMemory(0, batch * s * d.HiddenSize), batch, s, d.HiddenSize));
            var positions = new long[3 * batch * s];
            for (var i = 0; i < positions.Length; i++) positions[i] = past + i % s;
            values.Add(OnnxValue.CreateTensor(positions, 3, batch, s));
            var mask = new long[batch * (past + s)];
            mask.AsSpan().Fill(1);
            values.Add(OnnxValue.CreateTensor(mask, batch, past + s));
            if (d.DeepstackCount > 0)
            {
                names.Add(GraphNames.PerLayerInputs);
                values.Add(OnnxValue.CreateTensor(new float[batch * s * d.DeepstackCount * d.HiddenSize], batch, s, d.DeepstackCount * d.HiddenSize));
            }
            for (var layer = 0; layer < d.LayerCount; layer++)
            {
                values.Add(kv.Keys(layer, 0, batch));
                values.Add(kv.Values(layer, 0, batch));
                names.AddRange([GraphNames.PastKey(layer), GraphNames.PastValue(layer)]);
                outputs.AddRange([kv.Keys(layer, 0, batch), kv.Values(layer, 0, batch)]);
                outputNames.AddRange([GraphNames.PresentKey(layer), GraphNames.PresentValue(layer)]);
            }
            var slots = outputs.ToArray();
            session.Run(names.ToArray(), values.ToArray(), outputNames.ToArray(), slots);
            slots[0]?.Dispose();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
            foreach (var o in outputs) o?.Dispose();
        }
    }
}
