using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Engine.Tests.TinyModels;

/// <summary>The tiny Qwen3-VL checkpoint (seed 0), written once per test run into a temp folder and shared by all tests that read it.</summary>
public static class TinyModelFiles
{
    private static readonly Lazy<string> LazyQwen3VlTiny = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vlo-tiny-qwen3vl-{Environment.ProcessId}");
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, folder, seed: 0);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    });

    public static string Qwen3VlTiny => LazyQwen3VlTiny.Value;
}
