using System.Text;

namespace VLOrleans.Engine.Imaging;

/// <summary>
/// Recognises the format from the first bytes (file names lie: the corpus has a JPEG and a WebP
/// named .png). Common formats we do not decode are named in the rejection so a person knows
/// what to convert.
/// </summary>
internal static class FormatSniffer
{
    private const string Supported = "supported formats are JPEG, PNG, WebP, BMP and GIF";

    // Byte arrays, not u8 literals: a u8 literal would UTF-8-encode \x89 as two bytes.
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> JpegXlCodestream => [0xFF, 0x0A];
    private static ReadOnlySpan<byte> JpegXlContainer => [0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
    private static ReadOnlySpan<byte> Jpeg2000Container => [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
    private static ReadOnlySpan<byte> Jpeg2000Codestream => [0xFF, 0x4F, 0xFF, 0x51];
    private static ReadOnlySpan<byte> Gzip => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static ImageFormat Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        if (data.StartsWith(PngSignature)) return ImageFormat.Png;
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) return ImageFormat.Gif;
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8)) return ImageFormat.WebP;
        if (data.Length >= 14 && data.StartsWith("BM"u8)) return ImageFormat.Bmp;

        throw new ImageRejectedException(ImageRejectionReason.UnsupportedFormat, Describe(data));
    }

    private static string Describe(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 4 && data[1] == (byte)'P' && data[2] == (byte)'N' && data[3] == (byte)'G')
            throw new ImageRejectedException(ImageRejectionReason.Corrupt,
                "This file looks like a PNG image whose signature was damaged (for example by a text-mode transfer); it cannot be read.");
        var name = NameUnsupported(data);
        return name is null
            ? $"This file is not a recognised image; {Supported}."
            : $"This file is {name}; {Supported}.";
    }

    private static string? NameUnsupported(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) || data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8)) return "a TIFF image";
        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            var brand = data.Slice(8, 4);
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8)) return "an AVIF image";
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("hevc"u8)
                || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8) || brand.SequenceEqual("mif1"u8)
                || brand.SequenceEqual("msf1"u8)) return "a HEIC/HEIF image";
            if (brand.SequenceEqual("jxl "u8)) return "a JPEG XL image";
            return "an ISO media file (MP4/MOV/HEIF family)";
        }
        if (data.StartsWith("\0\0\x01\0"u8)) return "a Windows icon (ICO)";
        if (data.StartsWith("\0\0\x02\0"u8)) return "a Windows cursor (CUR)";
        if (data.StartsWith("%PDF-"u8)) return "a PDF document";
        if (data.StartsWith("8BPS"u8)) return "a Photoshop document (PSD)";
        if (data.StartsWith(JpegXlCodestream) || data.StartsWith(JpegXlContainer)) return "a JPEG XL image";
        if (data.StartsWith(Jpeg2000Container) || data.StartsWith(Jpeg2000Codestream)) return "a JPEG 2000 image";
        if (data.StartsWith("qoif"u8)) return "a QOI image";
        if (data.StartsWith("v/1\x01"u8)) return "an OpenEXR image";
        if (data.StartsWith("DDS "u8)) return "a DirectDraw surface (DDS)";
        if (data.StartsWith(Gzip)) return "gzip-compressed data (such as SVGZ)";
        if (LooksLikeSvg(data)) return "an SVG (vector) image";
        if (data.StartsWith("RIFF"u8)) return "a RIFF file that is not WebP (such as AVI or WAV)";
        return null;
    }

    /// <summary>Text whose first 1 KiB (after a BOM) opens with '&lt;' and mentions an &lt;svg element.</summary>
    private static bool LooksLikeSvg(ReadOnlySpan<byte> data)
    {
        var head = data[..Math.Min(data.Length, 1024)];
        if (head.StartsWith(Utf8Bom)) head = head[3..];
        var trimmed = head.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'<') return false;
        return Encoding.ASCII.GetString(trimmed).Contains("<svg", StringComparison.OrdinalIgnoreCase);
    }
}
