using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The tiny Qwen3-VL checkpoint converted once per test run into one package with every weight variant (fp32, fp16, int8, int4, w8a8), plus its
/// reference forward and loaded sessions (cached: loading a graph costs more than running it on tiny shapes).
/// </summary>
public static class TinyPackage
{
    private static readonly Lazy<string> LazyFolder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vlo-tiny-package-{Environment.ProcessId}");
        foreach (var format in Enum.GetValues<WeightFormat>())
            ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, folder, new ConversionOptions { Weights = format });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    });

    private static readonly Lazy<ReferenceWeights> LazyWeights = new(() => new ReferenceWeights(TinyModelFiles.Qwen3VlTiny));
    private static readonly Lazy<ModelPackage> LazyPackage = new(() => ModelPackage.Open(Folder));
    private static readonly Dictionary<string, OnnxSession> Sessions = new(StringComparer.Ordinal);

    public static string Folder => LazyFolder.Value;

    public static ModelPackage Package => LazyPackage.Value;

    public static ReferenceWeights Weights => LazyWeights.Value;

    public static OnnxSession Vision(string variant) => Session(Package.VisionPath(variant));

    public static OnnxSession Decoder(string variant) => Session(Package.DecoderPath(variant));

    private static OnnxSession Session(string path)
    {
        lock (Sessions)
        {
            if (!Sessions.TryGetValue(path, out var session))
                Sessions[path] = session = OnnxSession.Load(path, DecodeAttentionOp.Enable(new OnnxSessionOptions { IntraOpThreadCount = 1 }));
            return session;
        }
    }

    /// <summary>max|a − b| / max|b|: the error measure of the brief (1e-4 for fp32 graphs).</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, scale = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"NaN at {i}");
            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return diff / scale;
    }

    /// <summary>Loose per-variant bounds, so regressions show. fp32: the brief's 1e-4. fp16: the tiny checkpoint is bf16,
    /// whose values fp16 holds exactly (8 of fp16's 10 mantissa bits, small magnitudes), so fp16 must match like fp32.
    /// int8/int4 were measured on the tiny model (≈0.015–0.04 and ≈0.12–0.36 of max|logit|; its 32–128-wide layers of
    /// std-0.1 weights are one or a few blocks each, a harsh case) and get about 2× headroom; a packing or layout bug
    /// gives errors of order 1. w8a8 (int8 weights per column, activations quantised per tensor to uint8, so each
    /// product carries up to half a step of range/255 on every input) measured 0.015–0.018 on the vision outputs and
    /// 0.04–0.076 on the logits (20 prompts, WeightFormatAccuracyTests) — about int8's level — and gets 2× headroom.</summary>
    public static double Bound(string variant) => variant switch
    {
        "fp32" => 1e-4,
        "fp16" => 1e-4,
        "int8" => 0.1,
        "w8a8" => 0.15,
        _ => 0.6,
    };

    public static float[] Flatten(float[,] values)
    {
        var result = new float[values.Length];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
    }
}
