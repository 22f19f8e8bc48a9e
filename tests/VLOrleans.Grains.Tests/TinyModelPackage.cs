using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Grains.Tests;

/// <summary>The tiny random-weight Qwen3-VL model, made and converted (fp32) once per test run in a temp folder.</summary>
public static class TinyModelPackage
{
    private static readonly Lazy<string> LazyFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), $"vlo-grains-tiny-{Environment.ProcessId}");
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(root, "hf"));
        ModelConverter.Convert(Path.Combine(root, "hf"), Path.Combine(root, "package"), new ConversionOptions { Weights = WeightFormat.Fp32 });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        };
        return Path.Combine(root, "package");
    });

    public static string Folder => LazyFolder.Value;

    /// <summary>../shared beside the repository (tests read images from it).</summary>
    public static string SharedImage(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "images", "real", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"../shared/images/real/{name} not found: tests read ../shared beside the repository");
    }
}
