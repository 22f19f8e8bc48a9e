namespace VLOrleans.Engine.Imaging;

/// <summary>What the decoder learnt about an image, for the UI, the API and the caches.</summary>
public sealed record ImageFacts
{
    public required ImageFormat Format { get; init; }

    /// <summary>Encoded size in bytes.</summary>
    public required long EncodedBytes { get; init; }

    /// <summary>Pixel size as stored in the file (before EXIF orientation).</summary>
    public required int FileWidth { get; init; }
    public required int FileHeight { get; init; }

    /// <summary>Full-resolution size upright (after EXIF orientation): what a viewer shows. Preprocessing should size its grid from this.</summary>
    public required int OriginalWidth { get; init; }
    public required int OriginalHeight { get; init; }

    /// <summary>Size of the decoded <see cref="RgbImage"/> (upright; smaller than the original when DCT/libwebp scaling applied).</summary>
    public required int DecodedWidth { get; init; }
    public required int DecodedHeight { get; init; }

    /// <summary>EXIF orientation 1..8 that was applied (1 when absent or invalid).</summary>
    public required int Orientation { get; init; }

    /// <summary>The file had an alpha channel or transparency (composited over white).</summary>
    public required bool HadAlpha { get; init; }

    /// <summary>The file holds more frames (GIF, animated WebP); only the first was decoded.</summary>
    public required bool IsAnimated { get; init; }

    /// <summary>EXIF Make/Model (trimmed, printable ASCII) when present.</summary>
    public string? CameraMake { get; init; }
    public string? CameraModel { get; init; }

    /// <summary>EXIF DateTimeOriginal as ISO 8601 local time ("2019-05-04T13:22:01", no zone) when present and valid.</summary>
    public string? DateTimeOriginal { get; init; }

    /// <summary>SHA-256 (lowercase hex) over width (int32 LE), height (int32 LE) and the decoded RGB pixels: the vision-cache key.</summary>
    public required string ContentHash { get; init; }

    public bool WasScaledDown => DecodedWidth != OriginalWidth || DecodedHeight != OriginalHeight;
}
