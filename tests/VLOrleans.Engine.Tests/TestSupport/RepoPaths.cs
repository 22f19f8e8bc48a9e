namespace VLOrleans.Engine.Tests.TestSupport;

/// <summary>
/// Where tests find the repository, the setup folder (.deps) and ../shared. A missing folder is a
/// clear failure naming what to run, never a silent skip.
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root (the folder holding VLOrleans.sln).</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The git-ignored folder `make setup` fills.</summary>
    public static string Deps => RequireDirectory(Path.Combine(Root, ".deps"), "run `make setup` first");

    /// <summary>The read-only shared folder beside the repository (design docs, images, reference data).</summary>
    public static string Shared => RequireDirectory(Path.GetFullPath(Path.Combine(Root, "..", "shared")),
        "tests read ../shared beside the repository (images and reference data); it is absent");

    /// <summary>The real Qwen tokenizer.json installed by setup.</summary>
    public static string QwenTokenizerJson => RequireFile(Path.Combine(Deps, "tokenizer-qwen3", "tokenizer.json"), "run `make setup` first");

    /// <summary>Test fixtures committed beside the tests (golden data with the command that made it).</summary>
    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    public static string SharedFile(params string[] parts) =>
        RequireFile(Path.Combine([Shared, .. parts]), "expected in ../shared");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VLOrleans.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"VLOrleans.sln not found above {AppContext.BaseDirectory}");
    }

    private static string RequireDirectory(string path, string hint) =>
        Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"{path} is missing: {hint}.");

    private static string RequireFile(string path, string hint) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: {hint}.", path);
}
