using System.Buffers.Binary;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// Keeps libpng from gamma-correcting. The simplified API converts every file to sRGB using its
/// declared gamma, and assumes gamma 1.0 for 16-bit files without a gAMA chunk; Pillow, and so
/// transformers' Qwen processor that the models were trained with, ignores gamma entirely and
/// takes the stored values. Measured on the corpus before this fix: libvips sample_16bit.png came
/// out 63 levels brighter on average, toucan.png (gAMA 1.0) up to 72 levels off.
/// So when a file declares a non-sRGB gamma (or is 16-bit without one) we hand libpng a copy
/// whose gAMA says 1/2.2 (45455), which libpng treats as sRGB: no conversion.
/// </summary>
internal static class PngGamma
{
    private const uint SrgbGamma = 45455; // gAMA value for 1/2.2, libpng's PNG_GAMMA_sRGB_INVERSE
    private const int IhdrEnd = 8 + 8 + 13 + 4;

    /// <summary>A gamma-neutral copy of <paramref name="png"/>, or null when the original already is.</summary>
    public static byte[]? NeutralCopy(ReadOnlySpan<byte> png)
    {
        var sixteenBit = png.Length > 24 && png[24] == 16;
        var pos = 8;
        while (pos + 8 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            var type = png.Slice(pos + 4, 4);
            if (type.SequenceEqual("sRGB"u8)) return null; // libpng then uses sRGB gamma whatever gAMA says
            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8)) break;
            if (type.SequenceEqual("gAMA"u8) && length == 4)
            {
                if (BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 8)..]) == SrgbGamma) return null;
                var copy = png.ToArray();
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(pos + 8), SrgbGamma);
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(pos + 12), PngCrc.Of(copy.AsSpan(pos + 4, 8)));
                return copy;
            }
            pos += 12 + length;
        }
        if (!sixteenBit) return null;
        // Insert a gAMA chunk right after IHDR (it must precede PLTE and IDAT).
        var result = new byte[png.Length + 16];
        png[..IhdrEnd].CopyTo(result);
        var chunk = result.AsSpan(IhdrEnd, 16);
        BinaryPrimitives.WriteUInt32BigEndian(chunk, 4);
        "gAMA"u8.CopyTo(chunk[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(chunk[8..], SrgbGamma);
        BinaryPrimitives.WriteUInt32BigEndian(chunk[12..], PngCrc.Of(chunk.Slice(4, 8)));
        png[IhdrEnd..].CopyTo(result.AsSpan(IhdrEnd + 16));
        return result;
    }
}

/// <summary>CRC-32 of PNG chunks (ISO 3309 / ITU-T V.42 polynomial, reflected 0xEDB88320).</summary>
internal static class PngCrc
{
    private static readonly uint[] Table = Build();

    public static uint Of(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
