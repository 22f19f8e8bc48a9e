using System.Globalization;
using System.Text;
using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging;

/// <summary>The EXIF fields the decoder uses: orientation and a few facts for the UI.</summary>
internal sealed record ExifMetadata(int Orientation, string? CameraMake, string? CameraModel, string? DateTimeOriginal)
{
    public static readonly ExifMetadata None = new(1, null, null, null);

    // PNG eXIf and WebP EXIF chunks can in principle be large; real ones are a few KB and a JPEG APP1 is ≤ 64 KB.
    private const int MaxBlockBytes = 1 << 20;
    private const int MaxTextLength = 128;

    /// <summary>
    /// Parses an EXIF block with libexif. <paramref name="block"/> is either "Exif\0\0" + TIFF
    /// (JPEG APP1, some WebP writers) or bare TIFF (PNG eXIf, WebP EXIF); libexif wants the former.
    /// Unreadable EXIF never rejects an image: it only means orientation 1 and no facts.
    /// </summary>
    public static unsafe ExifMetadata Read(ReadOnlySpan<byte> block)
    {
        if (block.Length < 8 || block.Length > MaxBlockBytes) return None;
        byte[]? prefixed = null;
        if (!block.StartsWith("Exif\0\0"u8))
        {
            prefixed = new byte[block.Length + 6];
            "Exif\0\0"u8.CopyTo(prefixed);
            block.CopyTo(prefixed.AsSpan(6));
        }
        ReadOnlySpan<byte> input = prefixed ?? block;
        fixed (byte* p = input)
        {
            using var data = LibExif.Parse(p, input.Length);
            if (data.IsInvalid) return None;
            return new ExifMetadata(
                ReadOrientation(data),
                ReadText(data, LibExif.Ifd0, LibExif.TagMake),
                ReadText(data, LibExif.Ifd0, LibExif.TagModel),
                ToIso(ReadText(data, LibExif.IfdExif, LibExif.TagDateTimeOriginal)));
        }
    }

    private static unsafe int ReadOrientation(ExifDataHandle data)
    {
        var entry = LibExif.Entry(data, LibExif.Ifd0, LibExif.TagOrientation);
        if (entry == null || entry->Format != LibExif.FormatShort || entry->Components < 1 || entry->Size < 2 || entry->Data == null) return 1;
        int value = LibExif.Short(data, entry->Data);
        return ExifOrientation.IsValid(value) ? value : 1;
    }

    private static unsafe string? ReadText(ExifDataHandle data, int ifd, ushort tag)
    {
        var entry = LibExif.Entry(data, ifd, tag);
        if (entry == null || entry->Format != LibExif.FormatAscii || entry->Data == null || entry->Size == 0) return null;
        var bytes = new ReadOnlySpan<byte>(entry->Data, (int)Math.Min(entry->Size, 4096u));
        var end = bytes.IndexOf((byte)0);
        if (end >= 0) bytes = bytes[..end];
        var text = new StringBuilder();
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E) text.Append((char)b);
            if (text.Length >= MaxTextLength) break;
        }
        var s = text.ToString().Trim();
        return s.Length == 0 ? null : s;
    }

    private static string? ToIso(string? exifDate) =>
        exifDate is not null && DateTime.TryParseExact(exifDate, "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)
            : null;
}
