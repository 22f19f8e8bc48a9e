using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// PNG through libpng's simplified API: every colour type and bit depth, palette with tRNS,
/// 16-bit (reduced to 8-bit sRGB by libpng) and Adam7 interlacing. Opaque images decode straight
/// into the result; images with alpha go through one unmanaged RGBA scratch buffer and are flattened on white.
/// </summary>
internal static unsafe class PngDecoding
{
    public static FormatDecodeResult Decode(ReadOnlySpan<byte> data, ImageLimits limits)
    {
        var header = PngChunks.ReadHeader(data);
        ImageLimitChecks.CheckDimensions(ImageFormat.Png, header.Width, header.Height, limits);
        PngChunks.RequireChunksInBounds(data);
        var neutral = PngGamma.NeutralCopy(data);
        return DecodeChecked(neutral is null ? data : neutral, header);
    }

    private static FormatDecodeResult DecodeChecked(ReadOnlySpan<byte> data, ImageHeader header)
    {
        using var png = LibPng.Create();
        fixed (byte* src = data)
        {
            if (!LibPng.BeginRead(png, src, data.Length)) throw Classify(LibPng.Message(png));
            var info = png.Image;
            int width = (int)info->Width, height = (int)info->Height;
            // libpng re-reads IHDR; it must agree with what the limits were checked on.
            if (width != header.Width || height != header.Height)
                throw Reject.Corrupt("The PNG header is inconsistent.");
            var hadAlpha = (info->Format & LibPng.FormatFlagAlpha) != 0;
            var rgb = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
            if (!hadAlpha)
            {
                info->Format = LibPng.FormatRgb;
                fixed (byte* dst = rgb)
                {
                    if (!LibPng.FinishRead(png, dst, width * 3)) throw Classify(LibPng.Message(png));
                }
            }
            else
            {
                info->Format = LibPng.FormatRgba;
                using var rgba = new ScratchBuffer(4L * width * height);
                if (!LibPng.FinishRead(png, rgba.Pointer, width * 4)) throw Classify(LibPng.Message(png));
                AlphaCompositing.OverWhite(rgba.Span, rgb);
            }
            return new FormatDecodeResult(new RgbImage(width, height, rgb), hadAlpha, IsAnimated: PngChunks.IsAnimated(data));
        }
    }

    private static ImageRejectedException Classify(string message)
    {
        // png_image_memory_read reports running off the end of the buffer as "read beyond end of data".
        if (message.Contains("beyond end", StringComparison.OrdinalIgnoreCase) || message.Contains("Not enough image data", StringComparison.OrdinalIgnoreCase))
            return Reject.Truncated($"The PNG file is cut off ({message}).");
        return Reject.Corrupt($"The PNG file is damaged ({(message.Length == 0 ? "libpng gave no reason" : message)}).");
    }
}
