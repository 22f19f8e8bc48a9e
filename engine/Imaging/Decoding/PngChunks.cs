using System.Buffers.Binary;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// A bounds-checked walk over PNG chunks (length, type, data, CRC) for what the simplified libpng
/// API does not expose: the IHDR size before libpng runs, Apple's CgBI variant and the eXIf block.
/// </summary>
internal static class PngChunks
{
    private const int SignatureLength = 8;

    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < SignatureLength + 8)
            throw Reject.Truncated("The PNG file ends inside its signature or first chunk header.");
        var type = data.Slice(SignatureLength + 4, 4);
        if (type.SequenceEqual("CgBI"u8))
            throw Reject.Unsupported("This file is an Apple iPhone-optimised PNG (CgBI: byte-swapped, premultiplied, no zlib headers), which is not a standard PNG; re-export it as a normal PNG.");
        if (!type.SequenceEqual("IHDR"u8))
            throw Reject.Corrupt("The PNG file does not start with an IHDR chunk.");
        if (data.Length < SignatureLength + 8 + 8)
            throw Reject.Truncated("The PNG file ends inside its IHDR chunk.");
        var width = BinaryPrimitives.ReadUInt32BigEndian(data[(SignatureLength + 8)..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[(SignatureLength + 12)..]);
        // The PNG spec caps each side at 2^31 − 1; larger values are corrupt, not big.
        if (width > int.MaxValue || height > int.MaxValue)
            throw Reject.Corrupt($"The PNG header declares an impossible size ({width}×{height}).");
        return new ImageHeader(ImageFormat.Png, (int)width, (int)height);
    }

    /// <summary>
    /// Every chunk up to IEND must lie inside the buffer. Checked before libpng runs because libpng
    /// trusts a declared length when it allocates: a 57-byte file whose zTXt chunk declares 1 GiB
    /// made it spend seconds and a gigabyte before noticing the data had ended.
    /// </summary>
    public static void RequireChunksInBounds(ReadOnlySpan<byte> data)
    {
        var pos = SignatureLength;
        while (true)
        {
            if (pos + 8 > data.Length) throw Reject.Truncated("The PNG file is cut off: it ends before its IEND chunk.");
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (length > int.MaxValue)
                throw Reject.Corrupt($"The PNG file has a chunk with an impossible length ({length} bytes).");
            if (pos + 12L + length > data.Length)
                throw Reject.Truncated($"The PNG file is cut off: a '{System.Text.Encoding.ASCII.GetString(type)}' chunk declares {length} bytes but the file ends first.");
            if (type.SequenceEqual("IEND"u8)) return;
            pos += 12 + (int)length;
        }
    }

    /// <summary>An APNG: an acTL chunk before the first IDAT (libpng decodes its default image, the first frame).</summary>
    public static bool IsAnimated(ReadOnlySpan<byte> data)
    {
        var pos = SignatureLength;
        while (pos + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (type.SequenceEqual("acTL"u8)) return true;
            if (type.SequenceEqual("IDAT"u8) || length > int.MaxValue) return false;
            pos += 12 + (int)length;
        }
        return false;
    }

    /// <summary>The eXIf chunk's data (bare TIFF), or empty.</summary>
    public static ReadOnlySpan<byte> ExifBlock(ReadOnlySpan<byte> data)
    {
        var pos = SignatureLength;
        while (pos + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            var start = pos + 8;
            if (length > int.MaxValue || start + (long)length > data.Length) break;
            if (type.SequenceEqual("eXIf"u8)) return data.Slice(start, (int)length);
            if (type.SequenceEqual("IEND"u8)) break;
            pos = start + (int)length + 4;
        }
        return default;
    }
}
