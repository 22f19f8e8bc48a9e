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

    static OnnxCommunityFolders() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder left behind is harmless
        }
    };

    public static string For(QwenVlFamily family) => Folders.GetOrAdd(family, f => new Lazy<string>(() => Write(f))).Value;

    /// <summary>The golden-file name of a family (its HF model_type).</summary>
    public static string Name(QwenVlFamily family) => VLOrleans.Engine.Models.Package.ModelPackage.FamilyName(family);

    private static string Write(QwenVlFamily family)
    {
        var folder = Path.Combine(Root, Name(family));
        OnnxCommunityTinyModel.Write(folder, family, Path.GetDirectoryName(RepoPaths.QwenTokenizerJson)!);
        return folder;
    }
}
