using System.Diagnostics;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// The benchmark's model packages: <c>vl make-tiny-model --preset P</c> (random weights; speed does not depend on
/// their values) converted at int4 and fp32 into one package, cached under <c>&lt;cache&gt;/&lt;preset&gt;/package</c>
/// between runs. A marker file written last says the package is complete, so an interrupted conversion is redone.
/// </summary>
public static class BenchModels
{
    private const string CompleteMarker = ".bench-complete";

    public static readonly string[] Variants = ["int4", "w8a8", "fp32"];

    // Written into the marker: a package cached by an older converter (different graphs, e.g. float32 KV, masked
    // vision attention or GroupQueryAttention in decode steps) is converted again rather than benchmarked as if it were current.
    private const string ConverterRevision = "converter-4: fp16 KV for quantised formats, one vision frame per run, engine attention for decode steps";

    public static string Ensure(string cacheFolder, TinyModelPreset preset, Action<string> log)
    {
        var root = Path.Combine(Path.GetFullPath(cacheFolder), preset.ToName());
        var package = Path.Combine(root, "package");
        var marker = Path.Combine(package, CompleteMarker);
        var done = File.Exists(marker) ? File.ReadAllLines(marker) : [];
        if (done.FirstOrDefault() != ConverterRevision) done = [];
        if (Variants.All(done.Contains)) return package;
        var checkpoint = Path.Combine(root, "hf");
        var clock = Stopwatch.StartNew();
        if (!File.Exists(Path.Combine(checkpoint, "config.json")) || Directory.GetFiles(checkpoint, "*.safetensors").Length == 0)
        {
            log($"making the {preset.ToName()} checkpoint (random weights) in {checkpoint}");
            TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, preset, checkpoint);
        }
        foreach (var variant in Variants.Except(done))
        {
            log($"converting {preset.ToName()} to {variant}");
            ModelConverter.Convert(checkpoint, package, new ConversionOptions { Weights = WeightFormats.TryParse(variant, out var format) ? format : throw new InvalidOperationException(variant) });
        }
        File.WriteAllText(marker, string.Join('\n', Variants.Prepend(ConverterRevision)));
        log($"model package ready in {clock.Elapsed.TotalSeconds:F0} s: {package}");
        return package;
    }
}
