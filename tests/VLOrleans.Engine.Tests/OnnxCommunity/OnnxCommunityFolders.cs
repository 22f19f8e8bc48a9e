using System.Collections.Concurrent;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.OnnxCommunity;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.OnnxCommunity;

/// <summary>The tiny onnx-community folders, written once per test run (about 40 MB and a second each) into a temp folder.</summary>
internal static class OnnxCommunityFolders
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"vlo-onnx-community-{Environment.ProcessId}");
    private static readonly ConcurrentDictionary<QwenVlFamily, Lazy<string>> Folders = new();

    static OnnxCommunityFolders()
    {
        // The test host is not always given a ProcessExit, so a run also removes what dead runs left (~120 MB each).
        foreach (var stale in Directory.EnumerateDirectories(Path.GetTempPath(), "vlo-onnx-community-*"))
        {
            if (int.TryParse(Path.GetFileName(stale)["vlo-onnx-community-".Length..], out var pid) && !IsRunning(pid)) TryDelete(stale);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(Root);
    }

    public static string For(QwenVlFamily family) => Folders.GetOrAdd(family, f => new Lazy<string>(() => Write(f))).Value;

    /// <summary>The golden-file name of a family (its HF model_type).</summary>
    public static string Name(QwenVlFamily family) => VLOrleans.Engine.Models.Package.ModelPackage.FamilyName(family);

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder left behind is harmless
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Write(QwenVlFamily family)
    {
        var folder = Path.Combine(Root, Name(family));
        OnnxCommunityTinyModel.Write(folder, family, Path.GetDirectoryName(RepoPaths.QwenTokenizerJson)!);
        return folder;
    }
}
