using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using VLOrleans.Engine.Imaging.Decoding;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>
/// Writes tiny PNGs by the spec (signature, IHDR, optional PLTE/tRNS/eXIf, one zlib IDAT with
/// filter 0 rows, IEND; CRC-32 per ISO 3309) so tests control every byte: colour type, bit depth, alpha.
/// </summary>
public static class PngBuilder
{

    /// <summary>Builds a PNG; <paramref name="rows"/> are raw scanlines without the filter byte.</summary>
    public static byte[] Build(int width, int height, int bitDepth, int colorType, byte[][] rows,
        byte[]? palette = null, byte[]? transparency = null, byte[]? exif = null, (string Type, byte[] Data)[]? extraChunks = null)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        WriteChunk(png, "IHDR", ihdr);
        if (exif is not null) WriteChunk(png, "eXIf", exif);
        foreach (var (type, data) in extraChunks ?? []) WriteChunk(png, type, data);
        if (palette is not null) WriteChunk(png, "PLTE", palette);
        if (transparency is not null) WriteChunk(png, "tRNS", transparency);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            {
                foreach (var row in rows)
                {
                    z.WriteByte(0);
                    z.Write(row);
                }
            }
            WriteChunk(png, "IDAT", raw.ToArray());
        }
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A PNG whose IHDR declares <paramref name="width"/>×<paramref name="height"/> but carries no pixel data (for header-only limit checks).</summary>
    public static byte[] HeaderOnly(int width, int height)
    {
        var full = Build(1, 1, 8, 0, [[0]]);
        BinaryPrimitives.WriteInt32BigEndian(full.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(full.AsSpan(20), height);
        return full;
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(len, PngCrc.Of(typeAndData));
        s.Write(len);
    }
}

/// <summary>A minimal big-endian TIFF (EXIF) block with IFD0 entries, as in a PNG eXIf chunk.</summary>
public static class TiffExifBuilder
{
    public static byte[] WithOrientation(int orientation)
    {
        var t = new byte[8 + 2 + 12 + 4];
        "MM\0*"u8.CopyTo(t);
        BinaryPrimitives.WriteInt32BigEndian(t.AsSpan(4), 8);         // IFD0 offset
        BinaryPrimitives.WriteInt16BigEndian(t.AsSpan(8), 1);         // one entry
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(10), 0x0112);  // Orientation
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(12), 3);       // SHORT
        BinaryPrimitives.WriteInt32BigEndian(t.AsSpan(14), 1);        // count
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(18), (ushort)orientation); // value, left-justified
        return t;                                                      // next IFD offset 0
    }
}
