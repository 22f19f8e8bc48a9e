namespace VLOrleans.Web.Tests;

/// <summary>
/// The image corpus beside the repository (../shared/images) and its MANIFEST.md, whose format and WxH columns
/// come from parsing each file's own headers, cross-checked with ImageMagick — the independent reference for the
/// facts the UI shows.
/// </summary>
public static class SharedImages
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "images");
            if (File.Exists(Path.Combine(path, "MANIFEST.md"))) return path;
        }
        throw new DirectoryNotFoundException("../shared/images not found: the tests read the corpus beside the repository");
    });

    public static string Real(string name) => Path.Combine(Root.Value, "real", name);

    public static string Malformed(string name) => Path.Combine(Root.Value, "malformed", name);

    /// <summary>The manifest row of a file: its format column and declared width and height.</summary>
    public static (string Format, int Width, int Height) Manifest(string name)
    {
        var row = File.ReadLines(Path.Combine(Root.Value, "MANIFEST.md")).First(l => l.StartsWith($"| {name} |", StringComparison.Ordinal));
        var cells = row.Split('|').Select(c => c.Trim()).ToArray(); // "", name, source, bytes, format, WxH, note, ""
        var size = cells[5].Split('x');
        return (cells[4], int.Parse(size[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(size[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
