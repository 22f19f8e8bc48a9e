using System.Text.RegularExpressions;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>One row of ../shared/images/MANIFEST.md (format and WxH come from the files' own headers, cross-checked with `file` and ImageMagick).</summary>
public sealed record CorpusEntry(string Set, string Name, string Format, string Size, string Note)
{
    public string RelativePath => $"{Set}/{Name}";

    public string FullPath => RepoPaths.SharedFile("images", Set, Name);

    /// <summary>The first "WxH" in the size column (stored size; for hostile files, what the file declares).</summary>
    public (int Width, int Height)? DeclaredSize
    {
        get
        {
            var m = Regex.Match(Size, @"(\d+)x(\d+)");
            return m.Success ? (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)) : null;
        }
    }

    /// <summary>"EXIF orientation=N" in the format column (1 when absent or "none").</summary>
    public int ExifOrientation
    {
        get
        {
            var m = Regex.Match(Format, @"EXIF orientation=(\d)");
            return m.Success ? int.Parse(m.Groups[1].Value) : 1;
        }
    }
}

/// <summary>Parses the two tables of MANIFEST.md (Set A real/, Set B malformed/).</summary>
public static class CorpusManifest
{
    private static readonly Lazy<IReadOnlyList<CorpusEntry>> LazyEntries = new(Parse);

    public static IReadOnlyList<CorpusEntry> Entries => LazyEntries.Value;

    public static CorpusEntry Get(string set, string name) =>
        Entries.Single(e => e.Set == set && e.Name == name);

    public static IEnumerable<object[]> Names(string set) =>
        Entries.Where(e => e.Set == set).Select(e => new object[] { e.Name });

    private static IReadOnlyList<CorpusEntry> Parse()
    {
        var entries = new List<CorpusEntry>();
        string? set = null;
        foreach (var line in File.ReadLines(RepoPaths.SharedFile("images", "MANIFEST.md")))
        {
            if (line.StartsWith("## Set A", StringComparison.Ordinal)) set = "real";
            else if (line.StartsWith("## Set B", StringComparison.Ordinal)) set = "malformed";
            else if (line.StartsWith("## ", StringComparison.Ordinal)) set = null;
            if (set is null || !line.StartsWith("| ", StringComparison.Ordinal)) continue;
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 7 || cells[1] == "name" || cells[1].StartsWith("---", StringComparison.Ordinal)) continue;
            entries.Add(new CorpusEntry(set, cells[1], cells[4], cells[5], cells[6]));
        }
        return entries;
    }
}
