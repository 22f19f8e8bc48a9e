using System.Buffers.Binary;
using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// BMP through gdk-pixbuf's BMP loader (1/4/8/16/24/32-bit, BITFIELDS, RLE4/RLE8, OS/2 and
/// Windows v3–v5 headers). We read the size from the DIB header ourselves and check the limits
/// before the loader sees a byte.
/// </summary>
internal static unsafe class BmpDecoding
{
    private const int FileHeaderLength = 14;

    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < FileHeaderLength + 12) throw Reject.Truncated("The BMP file ends inside its header.");
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(data[FileHeaderLength..]);
        long width, height;
        if (dibSize == 12) // OS/2 BITMAPCOREHEADER: 16-bit unsigned sides
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
        }
        else if (dibSize is >= 16 and <= 4096)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..])); // negative = top-down rows
        }
        else
        {
            throw Reject.Corrupt($"The BMP file has an unknown header size ({dibSize} bytes).");
        }
        if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
            throw Reject.Corrupt($"The BMP header declares an impossible size ({width}×{height}).");
        return new ImageHeader(ImageFormat.Bmp, (int)width, (int)height);
    }

    public static FormatDecodeResult Decode(ReadOnlySpan<byte> data, ImageLimits limits)
    {
        var header = ReadHeader(data);
        ImageLimitChecks.CheckDimensions(ImageFormat.Bmp, header.Width, header.Height, limits);
        using var loader = GdkPixbuf.NewLoader("bmp", out var createError);
        // The module and loaders.cache ship in the package (its postinst runs gdk-pixbuf-query-loaders).
        if (loader.IsInvalid)
            throw new DllNotFoundException($"gdk-pixbuf has no BMP loader ({createError}): run `apt-get install --reinstall libgdk-pixbuf-2.0-0`.");
        fixed (byte* src = data)
        {
            if (!GdkPixbuf.Write(loader, src, data.Length, out var writeError)) throw Classify(writeError);
        }
        if (!GdkPixbuf.Close(loader, out var closeError)) throw Classify(closeError);
        var view = GdkPixbuf.GetPixbuf(loader) ?? throw Reject.Corrupt("The BMP file holds no image.");
        if (view.Width != header.Width || view.Height != header.Height || view.BitsPerSample != 8 || view.Channels is not (3 or 4))
            throw Reject.Corrupt("The BMP file's header is inconsistent with its pixels.");
        // gdk-pixbuf gives RLE and 32-bit files an alpha channel even when every pixel is opaque;
        // "had alpha" means some pixel was not.
        var image = ToRgb(view, out var translucent);
        return new FormatDecodeResult(image, HadAlpha: translucent, IsAnimated: false);
    }

    private static RgbImage ToRgb(GdkPixbuf.PixbufView view, out bool translucent)
    {
        translucent = false;
        var rgb = GC.AllocateUninitializedArray<byte>(checked(view.Width * view.Height * 3));
        var rowBytes = view.Width * view.Channels;
        for (var y = 0; y < view.Height; y++)
        {
            var src = new ReadOnlySpan<byte>((byte*)view.Pixels + (long)y * view.Rowstride, rowBytes);
            var dst = rgb.AsSpan(y * view.Width * 3, view.Width * 3);
            if (view.Channels == 4) translucent |= AlphaCompositing.OverWhite(src, dst);
            else src.CopyTo(dst);
        }
        return new RgbImage(view.Width, view.Height, rgb);
    }

    private static ImageRejectedException Classify(string? message)
    {
        var text = message ?? "gdk-pixbuf gave no reason";
        if (text.Contains("premature", StringComparison.OrdinalIgnoreCase) || text.Contains("truncated", StringComparison.OrdinalIgnoreCase)
            || text.Contains("end of file", StringComparison.OrdinalIgnoreCase) || text.Contains("end-of-file", StringComparison.OrdinalIgnoreCase))
            return Reject.Truncated($"The BMP file is cut off ({text}).");
        return Reject.Corrupt($"The BMP file is damaged ({text}).");
    }
}
