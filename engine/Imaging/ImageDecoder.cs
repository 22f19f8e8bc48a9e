using VLOrleans.Engine.Imaging.Decoding;

namespace VLOrleans.Engine.Imaging;

/// <summary>
/// Decodes JPEG, PNG, WebP, BMP and GIF from a byte buffer (never a temporary file) into upright
/// 8-bit RGB with its facts. Stateless and thread-safe: every call owns its native handles, so
/// one instance serves concurrent requests.
/// <para>Order: empty/size → sniff magic bytes → header size → limits (no pixel buffer yet) →
/// decode (scaled when above MaxDecodePixels) → EXIF orientation → content hash.</para>
/// Bad input throws <see cref="ImageRejectedException"/>; a missing native library throws
/// <see cref="DllNotFoundException"/> naming the Debian package.
/// </summary>
public sealed class ImageDecoder
{
    // Pixel buffers are single arrays indexed by int: 4 bytes (RGBA scratch) × pixels must fit.
    private const long MaxSupportedPixels = int.MaxValue / 4;

    public ImageDecoder(ImageLimits? limits = null)
    {
        Limits = limits ?? ImageLimits.Default;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Limits.MaxPixels, MaxSupportedPixels, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Limits.MaxDecodePixels, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(Limits.MaxAspectRatio, 1.0, nameof(limits));
    }

    public ImageLimits Limits { get; }

    /// <summary>Format and stored size from the header alone, with every limit checked; no pixels are decoded.</summary>
    public ImageHeader ReadHeader(ReadOnlySpan<byte> encoded)
    {
        ImageLimitChecks.CheckEncoded(encoded, Limits);
        var format = FormatSniffer.Sniff(encoded);
        var header = format switch
        {
            ImageFormat.Jpeg => JpegDecoding.ReadHeader(encoded),
            ImageFormat.Png => PngChunks.ReadHeader(encoded),
            ImageFormat.WebP => WebPDecoding.ReadHeader(encoded),
            ImageFormat.Gif => GifDecoding.ReadHeader(encoded),
            ImageFormat.Bmp => BmpDecoding.ReadHeader(encoded),
            _ => throw new InvalidOperationException($"no header reader for {format}"),
        };
        ImageLimitChecks.CheckDimensions(format, header.Width, header.Height, Limits);
        return header;
    }

    /// <summary>Decodes the image; see the class summary for the steps.</summary>
    public DecodedImage Decode(ReadOnlySpan<byte> encoded)
    {
        var header = ReadHeader(encoded);
        var decoded = header.Format switch
        {
            ImageFormat.Jpeg => JpegDecoding.Decode(encoded, Limits),
            ImageFormat.Png => PngDecoding.Decode(encoded, Limits),
            ImageFormat.WebP => WebPDecoding.Decode(encoded, Limits),
            ImageFormat.Gif => GifDecoding.Decode(encoded, Limits),
            ImageFormat.Bmp => BmpDecoding.Decode(encoded, Limits),
            _ => throw new InvalidOperationException($"no decoder for {header.Format}"),
        };
        var exif = ExifMetadata.Read(ExifBlock(header.Format, encoded));
        var upright = ExifOrientation.Apply(decoded.Pixels, exif.Orientation);
        // GIF canvases may be enlarged past the declared screen to hold the first frame.
        int fileW = header.Format == ImageFormat.Gif ? decoded.Pixels.Width : header.Width;
        int fileH = header.Format == ImageFormat.Gif ? decoded.Pixels.Height : header.Height;
        var swap = ExifOrientation.SwapsAxes(exif.Orientation);
        var facts = new ImageFacts
        {
            Format = header.Format,
            EncodedBytes = encoded.Length,
            FileWidth = fileW,
            FileHeight = fileH,
            OriginalWidth = swap ? fileH : fileW,
            OriginalHeight = swap ? fileW : fileH,
            DecodedWidth = upright.Width,
            DecodedHeight = upright.Height,
            Orientation = exif.Orientation,
            HadAlpha = decoded.HadAlpha,
            IsAnimated = decoded.IsAnimated,
            CameraMake = exif.CameraMake,
            CameraModel = exif.CameraModel,
            DateTimeOriginal = exif.DateTimeOriginal,
            ContentHash = ContentHash.Of(upright),
        };
        return new DecodedImage(upright, facts);
    }

    private static ReadOnlySpan<byte> ExifBlock(ImageFormat format, ReadOnlySpan<byte> encoded) => format switch
    {
        ImageFormat.Jpeg => JpegDecoding.ExifBlock(encoded),
        ImageFormat.Png => PngChunks.ExifBlock(encoded),
        ImageFormat.WebP => WebPDecoding.ExifBlock(encoded),
        _ => default,
    };
}
