namespace VLOrleans.Benchmarks;

/// <summary>Repository-relative paths for benchmarks (they run from bin/…/net10.0).</summary>
public static class BenchPaths
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Deps => Path.Combine(Root, ".deps");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VLOrleans.sln"))) return dir.FullName;
        // BenchmarkDotNet runs each benchmark from a generated folder under bin/; fall back to the working directory.
        return Directory.GetCurrentDirectory();
    }
}
