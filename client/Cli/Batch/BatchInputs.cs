namespace VLOrleans.Cli.Batch;

/// <summary>One file of a batch: the name written to the output and the file to read; <see cref="SkipReason"/> says why
/// it is not sent (its row says so instead of the file vanishing from the results).</summary>
internal sealed record BatchInput(string Name, string Path, string? SkipReason = null);

/// <summary>
/// What <c>vl batch</c> answers about, in a fixed order: a folder's image files (top level, by ordinal name), or a list
/// file with one path per line (blank lines and <c>#</c> comments skipped; relative paths are relative to the list).
/// </summary>
internal static class BatchInputs
{
    /// <summary>Extensions sent from a folder; other files (sidecar .json, .txt, .svg) get a skipped row. Formats the
    /// decoder does not read are still sent, and fail per image with <c>unsupported_format</c>.</summary>
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif",
    };

    public static IReadOnlyList<BatchInput> From(string folderOrList)
    {
        if (Directory.Exists(folderOrList))
        {
            return Directory.EnumerateFiles(folderOrList)
                .Select(f => new BatchInput(Path.GetFileName(f), f, SkipReasonFor(f)))
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

    /// <summary>Why a folder's file is not sent, or null when its extension is an image's.</summary>
    private static string? SkipReasonFor(string path)
    {
        var extension = Path.GetExtension(path);
        if (ImageExtensions.Contains(extension)) return null;
        var what = extension.Length == 0 ? "it has no file extension" : $"'{extension}' is not an image file extension";
        return $"not sent: {what} (a folder's files are sent when named {string.Join(", ", ImageExtensions)}); name it in a list file to send it anyway";
    }
}
