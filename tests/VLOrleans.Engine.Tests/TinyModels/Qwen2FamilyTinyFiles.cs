using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Engine.Tests.TinyModels;

/// <summary>The tiny Qwen2-VL and Qwen2.5-VL checkpoints (seed 0), written once per test run into temp folders.</summary>
public static class Qwen2FamilyTinyFiles
{
    private static readonly Lazy<string> LazyQwen2Vl = new(() => Write(QwenVlFamily.Qwen2Vl));
    private static readonly Lazy<string> LazyQwen25Vl = new(() => Write(QwenVlFamily.Qwen25Vl));

    public static string Folder(QwenVlFamily family) => family switch
    {
        QwenVlFamily.Qwen2Vl => LazyQwen2Vl.Value,
        QwenVlFamily.Qwen25Vl => LazyQwen25Vl.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    /// <summary>"qwen2_vl" / "qwen2_5_vl" (test data names) → family.</summary>
    public static QwenVlFamily Parse(string name) => name switch
    {
        "qwen2_vl" => QwenVlFamily.Qwen2Vl,
        "qwen2_5_vl" => QwenVlFamily.Qwen25Vl,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static string Write(QwenVlFamily family)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vlo-tiny-{family.ToString().ToLowerInvariant()}-{Environment.ProcessId}");
        TinyModelMaker.Write(family, TinyModelPreset.Tiny, folder, seed: 0);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    }
}
