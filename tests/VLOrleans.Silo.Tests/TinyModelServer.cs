using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Silo.Tests;

/// <summary>
/// The real server process on the tiny random-weight Qwen3-VL model (made and converted once per test run), with
/// its own data folder. Configuration goes in the ASP.NET Core way, through environment variables:
/// <c>VLO__Model__Path</c>, <c>VLO__DataPath</c>, and whatever a test adds (e.g. <c>VLO__ApiKeys__0</c>).
/// Starting a second server on the same data folder is how tests check that sessions survive a restart.
/// </summary>
public static class TinyModelServer
{
    private static readonly Lazy<string> LazyPackage = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), $"vlo-silo-tiny-{Environment.ProcessId}");
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(root, "hf"));
        ModelConverter.Convert(Path.Combine(root, "hf"), Path.Combine(root, "package"), new ConversionOptions { Weights = WeightFormat.Fp32 });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        };
        return Path.Combine(root, "package");
    });

    public static string PackageFolder => LazyPackage.Value;

    /// <summary>A fresh data folder for one test (delete it when done, or reuse it for a restart).</summary>
    public static string NewDataFolder() => Directory.CreateTempSubdirectory("vlo-silo-data-").FullName;

    public static Task<ServerProcess> StartAsync(string dataFolder, IReadOnlyDictionary<string, string>? extra = null, CancellationToken cancellationToken = default,
        IReadOnlyList<string>? launcher = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["VLO__Model__Path"] = PackageFolder,
            ["VLO__DataPath"] = dataFolder,
            ["VLO__Engine__DecoderThreads"] = "1",
            ["VLO__Engine__VisionThreads"] = "1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        return ServerProcess.StartAsync(environment, cancellationToken, launcher);
    }

    /// <summary>A real photo from ../shared/images/real.</summary>
    public static byte[] Photo(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "images", "real", name);
            if (File.Exists(path)) return File.ReadAllBytes(path);
        }
        throw new FileNotFoundException($"../shared/images/real/{name} not found: tests read ../shared beside the repository");
    }
}
