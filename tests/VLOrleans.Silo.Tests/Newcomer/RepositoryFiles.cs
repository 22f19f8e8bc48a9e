namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>Files of the repository the tests were built from (found by walking up to VLOrleans.sln).</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "VLOrleans.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no VLOrleans.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => LazyRoot.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
