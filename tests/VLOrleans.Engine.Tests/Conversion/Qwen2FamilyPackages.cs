using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Reference;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// The tiny Qwen2-VL and Qwen2.5-VL checkpoints, each converted once per test run into one package with the fp32, fp16,
/// int8 and int4 variants, plus their reference weights and cached sessions (as <see cref="TinyPackage"/> for Qwen3-VL).
/// </summary>
public static class Qwen2FamilyPackages
{
    public static readonly string[] Variants = ["fp32", "fp16", "int8", "int4"];

    private static readonly Dictionary<QwenVlFamily, Lazy<string>> Folders = new()
    {
        [QwenVlFamily.Qwen2Vl] = new(() => Convert(QwenVlFamily.Qwen2Vl)),
        [QwenVlFamily.Qwen25Vl] = new(() => Convert(QwenVlFamily.Qwen25Vl)),
    };

    private static readonly Dictionary<string, object> Cache = new(StringComparer.Ordinal);

    public static string Folder(QwenVlFamily family) => Folders[family].Value;

    public static ModelPackage Package(QwenVlFamily family) => Cached($"package:{family}", () => ModelPackage.Open(Folder(family)));

    public static ReferenceWeights Weights(QwenVlFamily family) => Cached($"weights:{family}", () => new ReferenceWeights(Qwen2FamilyTinyFiles.Folder(family)));

    public static OnnxSession Vision(QwenVlFamily family, string variant) => Session(Package(family).VisionPath(variant));

    public static OnnxSession Decoder(QwenVlFamily family, string variant) => Session(Package(family).DecoderPath(variant));

    private static OnnxSession Session(string path) => Cached(path, () => OnnxSession.Load(path, DecodeAttentionOp.Enable(new OnnxSessionOptions { IntraOpThreadCount = 1 })));

    private static T Cached<T>(string key, Func<T> create) where T : class
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out var value)) Cache[key] = value = create();
            return (T)value;
        }
    }

    private static WeightFormat Format(string name) =>
        WeightFormats.TryParse(name, out var format) ? format : throw new ArgumentException($"unknown weight format {name}", nameof(name));

    private static string Convert(QwenVlFamily family)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vlo-tiny-package-{family.ToString().ToLowerInvariant()}-{Environment.ProcessId}");
        foreach (var variant in Variants)
            ModelConverter.Convert(Qwen2FamilyTinyFiles.Folder(family), folder, new ConversionOptions { Weights = Format(variant) });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    }
}
