using System.Globalization;

namespace VLOrleans.Engine.Imaging;

/// <summary>The checks of <see cref="ImageLimits"/>, in the order a request meets them.</summary>
internal static class ImageLimitChecks
{
    public static void CheckEncoded(ReadOnlySpan<byte> data, ImageLimits limits)
    {
        if (data.IsEmpty)
            throw new ImageRejectedException(ImageRejectionReason.Empty, "The image is empty (0 bytes).");
        if (data.Length > limits.MaxEncodedBytes)
            throw new ImageRejectedException(ImageRejectionReason.TooLarge,
                $"The image file is {Mb(data.Length)} MB; the limit is {Mb(limits.MaxEncodedBytes)} MB.");
    }

    /// <summary>Checks a declared pixel size (long arithmetic: headers may declare 65535² or 3,000,000×2,000,000).</summary>
    public static void CheckDimensions(ImageFormat format, long width, long height, ImageLimits limits)
    {
        if (width <= 0 || height <= 0)
            throw new ImageRejectedException(ImageRejectionReason.Corrupt,
                $"The {Name(format)} header declares an empty image ({width}×{height} pixels).");
        var pixels = width * height;
        if (pixels > limits.MaxPixels)
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels,
                $"The image is {width}×{height} pixels ({Mp(pixels)} megapixels); the limit is {Mp(limits.MaxPixels)} megapixels.");
        var ratio = (double)Math.Max(width, height) / Math.Min(width, height);
        if (ratio > limits.MaxAspectRatio)
            throw new ImageRejectedException(ImageRejectionReason.AspectRatio,
                $"The image is {width}×{height} pixels, an aspect ratio of {ratio.ToString("0.#", CultureInfo.InvariantCulture)}:1; the limit is {limits.MaxAspectRatio.ToString(CultureInfo.InvariantCulture)}:1.");
        if (Math.Min(width, height) < limits.MinSide)
            throw new ImageRejectedException(ImageRejectionReason.TooSmall,
                $"The image is {width}×{height} pixels; each side must be at least {limits.MinSide} pixels.");
    }

    public static string Name(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "JPEG",
        ImageFormat.Png => "PNG",
        ImageFormat.WebP => "WebP",
        ImageFormat.Bmp => "BMP",
        ImageFormat.Gif => "GIF",
        _ => format.ToString(),
    };

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Mp(long pixels) => (pixels / 1e6).ToString("0.#", CultureInfo.InvariantCulture);
}
