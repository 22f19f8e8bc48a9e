namespace VLOrleans.Cli.Batch;

/// <summary>One image of a batch: the name written to the output and the file to read.</summary>
internal sealed record BatchInput(string Name, string Path);

/// <summary>
/// What <c>vl batch</c> answers about, in a fixed order: a folder's image files (top level, by ordinal name), or a list
/// file with one path per line (blank lines and <c>#</c> comments skipped; relative paths are relative to the list).
/// </summary>
internal static class BatchInputs
{
    /// <summary>Extensions taken from a folder; others (sidecar .json, .txt) are skipped. Formats the decoder does not
    /// read still appear, and fail per image with <c>unsupported_format</c>.</summary>
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif",
    };

    public static IReadOnlyList<BatchInput> From(string folderOrList)
    {
        if (Directory.Exists(folderOrList))
        {
            return Directory.EnumerateFiles(folderOrList)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                .Select(f => new BatchInput(Path.GetFileName(f), f))
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .ToList();
        }
        if (!File.Exists(folderOrList)) throw new Backends.VlCommandException("usage", $"no folder or list file '{folderOrList}'");
        var baseFolder = Path.GetDirectoryName(Path.GetFullPath(folderOrList))!;
        return File.ReadLines(folderOrList)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => new BatchInput(l, Path.IsPathRooted(l) ? l : Path.Combine(baseFolder, l)))
            .ToList();
    }
}
