namespace VLOrleans.Engine.Imaging;

/// <summary>Why an image was refused. <see cref="ImageRejectedException.Code"/> gives the stable wire code.</summary>
public enum ImageRejectionReason
{
    /// <summary>`empty`: zero bytes.</summary>
    Empty,
    /// <summary>`too_large`: more encoded bytes than <see cref="ImageLimits.MaxEncodedBytes"/>.</summary>
    TooLarge,
    /// <summary>`unsupported_format`: not JPEG/PNG/WebP/BMP/GIF, or a variant the decoders lack (12-bit or lossless JPEG, Apple CgBI PNG).</summary>
    UnsupportedFormat,
    /// <summary>`corrupt`: a supported format whose data is invalid.</summary>
    Corrupt,
    /// <summary>`truncated`: the data ends before the image does.</summary>
    Truncated,
    /// <summary>`too_many_pixels`: the header declares more than <see cref="ImageLimits.MaxPixels"/> (decompression bombs).</summary>
    TooManyPixels,
    /// <summary>`aspect_ratio`: long side / short side above <see cref="ImageLimits.MaxAspectRatio"/>.</summary>
    AspectRatio,
    /// <summary>`too_small`: a side shorter than <see cref="ImageLimits.MinSide"/>.</summary>
    TooSmall,
}

/// <summary>The stable snake_case codes (API responses, logs, metrics).</summary>
public static class ImageRejectionCodes
{
    public static string ToCode(this ImageRejectionReason reason) => reason switch
    {
        ImageRejectionReason.Empty => "empty",
        ImageRejectionReason.TooLarge => "too_large",
        ImageRejectionReason.UnsupportedFormat => "unsupported_format",
        ImageRejectionReason.Corrupt => "corrupt",
        ImageRejectionReason.Truncated => "truncated",
        ImageRejectionReason.TooManyPixels => "too_many_pixels",
        ImageRejectionReason.AspectRatio => "aspect_ratio",
        ImageRejectionReason.TooSmall => "too_small",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
