using System.Buffers.Binary;
using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// WebP through libwebp: lossy, lossless and alpha via WebPDecode into our buffer (rescaled on the
/// fly when larger than MaxDecodePixels); animations via WebPAnimDecoder, first frame only.
/// </summary>
internal static unsafe class WebPDecoding
{
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        var features = Features(data);
        return new ImageHeader(ImageFormat.WebP, features.Width, features.Height);
    }

    /// <summary>The EXIF chunk's data (bare TIFF, or "Exif\0\0"-prefixed from some writers), or empty.</summary>
    public static ReadOnlySpan<byte> ExifBlock(ReadOnlySpan<byte> data)
    {
        var pos = 12; // "RIFF" size "WEBP"
        while (pos + 8 <= data.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            var start = pos + 8;
            if (size > int.MaxValue || start + (long)size > data.Length) break;
            if (data.Slice(pos, 4).SequenceEqual("EXIF"u8)) return data.Slice(start, (int)size);
            pos = start + (int)size + (int)(size & 1);
        }
        return default;
    }

    public static FormatDecodeResult Decode(ReadOnlySpan<byte> data, ImageLimits limits)
    {
        var features = Features(data);
        ImageLimitChecks.CheckDimensions(ImageFormat.WebP, features.Width, features.Height, limits);
        var hadAlpha = features.HasAlpha != 0;
        fixed (byte* src = data)
        {
            return features.HasAnimation != 0
                ? FirstFrame(src, data.Length, features, hadAlpha)
                : Still(src, data.Length, features, hadAlpha, limits);
        }
    }

    private static LibWebP.BitstreamFeatures Features(ReadOnlySpan<byte> data)
    {
        fixed (byte* src = data)
        {
            var status = LibWebP.GetFeatures(src, data.Length, out var features);
            if (status != LibWebP.Status.Ok) throw Classify(status, "header");
            return features;
        }
    }

    private static FormatDecodeResult Still(byte* src, int size, LibWebP.BitstreamFeatures features, bool hadAlpha, ImageLimits limits)
    {
        var (width, height) = ScaledSize(features.Width, features.Height, limits.MaxDecodePixels);
        var scaled = width != features.Width || height != features.Height;
        var channels = hadAlpha ? 4 : 3;
        var rgb = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
        using var rgba = hadAlpha ? new ScratchBuffer(4L * width * height) : null;
        LibWebP.DecoderConfig config;
        if (!LibWebP.InitConfig(&config)) throw new InvalidOperationException("libwebp rejected its own decoder config (ABI mismatch)");
        fixed (byte* rgbPointer = rgb)
        {
            var dst = rgba is null ? rgbPointer : rgba.Pointer;
            config.Output.Colorspace = hadAlpha ? LibWebP.ModeRgba : LibWebP.ModeRgb;
            config.Output.IsExternalMemory = 1;
            config.Output.Rgba = dst;
            config.Output.Stride = width * channels;
            config.Output.Size = (nuint)(rgba is null ? rgb.Length : rgba.Length);
            if (scaled)
            {
                config.Options.UseScaling = 1;
                config.Options.ScaledWidth = width;
                config.Options.ScaledHeight = height;
            }
            var status = LibWebP.Decode(src, size, &config);
            if (status != LibWebP.Status.Ok) throw Classify(status, "image data");
        }
        if (rgba is not null) AlphaCompositing.OverWhite(rgba.Span, rgb);
        return new FormatDecodeResult(new RgbImage(width, height, rgb), hadAlpha, IsAnimated: false);
    }

    private static FormatDecodeResult FirstFrame(byte* src, int size, LibWebP.BitstreamFeatures features, bool hadAlpha)
    {
        using var decoder = LibWebPDemux.CreateRgbaDecoder(src, size)
            ?? throw Reject.Corrupt("The animated WebP file is damaged (its frames cannot be read).");
        if (!LibWebPDemux.GetInfo(decoder, out var info) || info.CanvasWidth != (uint)features.Width || info.CanvasHeight != (uint)features.Height)
            throw Reject.Corrupt("The animated WebP file's canvas is inconsistent.");
        var canvas = LibWebPDemux.NextFrame(decoder);
        if (canvas == null) throw Reject.Corrupt("The animated WebP file's first frame cannot be decoded.");
        int width = features.Width, height = features.Height;
        var rgb = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
        AlphaCompositing.OverWhite(new ReadOnlySpan<byte>(canvas, checked(width * height * 4)), rgb);
        return new FormatDecodeResult(new RgbImage(width, height, rgb), hadAlpha, IsAnimated: info.FrameCount > 1);
    }

    /// <summary>
    /// libwebp rescales to any size while decoding (row by row), so the rule is simply the
    /// largest size with the same aspect ratio and at most <paramref name="maxDecodePixels"/>.
    /// </summary>
    internal static (int Width, int Height) ScaledSize(int width, int height, long maxDecodePixels)
    {
        var pixels = (long)width * height;
        if (pixels <= maxDecodePixels) return (width, height);
        var s = Math.Sqrt((double)maxDecodePixels / pixels);
        return (Math.Max(1, (int)Math.Floor(width * s)), Math.Max(1, (int)Math.Floor(height * s)));
    }

    private static ImageRejectedException Classify(LibWebP.Status status, string where) => status switch
    {
        LibWebP.Status.NotEnoughData => Reject.Truncated($"The WebP file is cut off: its {where} ends early."),
        LibWebP.Status.UnsupportedFeature => Reject.Unsupported($"This WebP file uses a feature the decoder does not support (in its {where})."),
        LibWebP.Status.OutOfMemory => new ImageRejectedException(ImageRejectionReason.TooManyPixels, "The WebP image needs more memory than the decoder can give it."),
        _ => Reject.Corrupt($"The WebP file is damaged (libwebp: {status} in its {where})."),
    };
}
