using System.Buffers;
using System.Buffers.Binary;
using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// GIF through giflib, first frame only. The canvas is the logical screen, enlarged to hold the
/// first frame if that frame reaches past it (as Pillow does); uncovered and transparent pixels
/// are white. The enlarged size is checked against the limits before any canvas exists, which is
/// what stops a 44-byte file declaring a 65535×1321 frame at y = 65280.
/// </summary>
internal static unsafe class GifDecoding
{
    // Adam7-like interlace of GIF89a §Appendix E: four passes, starting rows 0,4,2,1, steps 8,8,4,2.
    private static ReadOnlySpan<int> PassStart => [0, 4, 2, 1];
    private static ReadOnlySpan<int> PassStep => [8, 8, 4, 2];

    /// <summary>
    /// The canvas size: the logical screen, enlarged by the first frame's descriptor when the
    /// blocks before it are present (a bounds-checked walk: header, global colour table,
    /// extensions, image descriptor), so a bomb frame is refused before giflib runs.
    /// </summary>
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 13) throw Reject.Truncated("The GIF file ends inside its screen descriptor.");
        long width = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        long height = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        var pos = 13;
        if ((data[10] & 0x80) != 0) pos += 3 << ((data[10] & 7) + 1); // global colour table
        while (pos < data.Length)
        {
            var block = data[pos];
            if (block == 0x21) // extension: label, then sub-blocks until a zero length
            {
                pos += 2;
                while (pos < data.Length && data[pos] != 0) pos += data[pos] + 1;
                pos++;
                continue;
            }
            if (block == 0x2C && pos + 9 <= data.Length)
            {
                long left = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 1)..]);
                long top = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 3)..]);
                long frameW = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 5)..]);
                long frameH = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 7)..]);
                width = Math.Max(width, left + frameW);
                height = Math.Max(height, top + frameH);
            }
            break;
        }
        return new ImageHeader(ImageFormat.Gif, (int)width, (int)height);
    }

    public static FormatDecodeResult Decode(ReadOnlySpan<byte> data, ImageLimits limits)
    {
        fixed (byte* src = data)
        {
            var source = new GifLib.MemorySource { Data = src, Length = data.Length, Position = 0 };
            using var gif = GifLib.Open(&source, out var openError);
            if (gif.IsInvalid) throw Classify(openError, "screen descriptor");
            var transparentIndex = -1;
            while (true)
            {
                if (!GifLib.GetRecordType(gif, out var record)) throw Classify(gif.File->Error, "records");
                if (record == GifLib.RecordTerminate)
                    throw Reject.Corrupt("The GIF file contains no image.");
                if (record == GifLib.RecordExtension)
                {
                    transparentIndex = ReadExtension(gif, transparentIndex);
                    continue;
                }
                if (record != GifLib.RecordImageDesc) throw Reject.Corrupt("The GIF file has an unknown record.");
                if (!GifLib.GetImageDesc(gif)) throw Classify(gif.File->Error, "image descriptor");
                var image = ReadFirstImage(gif, transparentIndex, limits);
                var animated = HasAnotherImage(gif);
                return new FormatDecodeResult(image, HadAlpha: transparentIndex >= 0, animated);
            }
        }
    }

    private static int ReadExtension(GifFileHandle gif, int transparentIndex)
    {
        if (!GifLib.GetExtension(gif, out var code, out var block)) throw Classify(gif.File->Error, "extension");
        // Graphic Control Extension: [size=4, flags, delay lo, delay hi, transparent index]; flags bit 0 = transparency.
        if (code == GifLib.GraphicsExtension && block != null && block[0] >= 4)
            transparentIndex = (block[1] & 1) != 0 ? block[4] : -1;
        while (block != null)
        {
            if (!GifLib.GetExtensionNext(gif, out block)) throw Classify(gif.File->Error, "extension");
        }
        return transparentIndex;
    }

    private static RgbImage ReadFirstImage(GifFileHandle gif, int transparentIndex, ImageLimits limits)
    {
        var file = gif.File;
        var desc = file->Image;
        long canvasW = Math.Max(file->SWidth, (long)desc.Left + desc.Width);
        long canvasH = Math.Max(file->SHeight, (long)desc.Top + desc.Height);
        if (desc.Width <= 0 || desc.Height <= 0)
            throw Reject.Corrupt($"The GIF file's first frame is empty ({desc.Width}×{desc.Height}).");
        ImageLimitChecks.CheckDimensions(ImageFormat.Gif, canvasW, canvasH, limits);
        var map = desc.ColorMap != null ? desc.ColorMap : file->SColorMap;
        if (map == null || map->Colors == null || map->ColorCount <= 0)
            throw Reject.Corrupt("The GIF file has no colour table for its first frame.");
        int width = (int)canvasW, height = (int)canvasH;
        var rgb = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
        rgb.AsSpan().Fill(255);
        var palette = new ReadOnlySpan<byte>(map->Colors, map->ColorCount * 3);
        var line = ArrayPool<byte>.Shared.Rent(desc.Width);
        try
        {
            fixed (byte* l = line)
            {
                if (desc.Interlace != 0)
                {
                    for (var pass = 0; pass < 4; pass++)
                        for (var y = PassStart[pass]; y < desc.Height; y += PassStep[pass])
                            ReadRow(gif, l, desc, y, rgb, width, palette, transparentIndex);
                }
                else
                {
                    for (var y = 0; y < desc.Height; y++)
                        ReadRow(gif, l, desc, y, rgb, width, palette, transparentIndex);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(line);
        }
        return new RgbImage(width, height, rgb);
    }

    private static void ReadRow(GifFileHandle gif, byte* line, GifLib.ImageDesc desc, int y, byte[] rgb, int canvasWidth, ReadOnlySpan<byte> palette, int transparentIndex)
    {
        if (!GifLib.GetLine(gif, line, desc.Width)) throw Classify(gif.File->Error, "image data");
        var row = rgb.AsSpan((desc.Top + y) * canvasWidth * 3, canvasWidth * 3);
        var colours = palette.Length / 3;
        for (var x = 0; x < desc.Width; x++)
        {
            int index = line[x];
            if (index == transparentIndex) continue;        // stays white
            var o = (desc.Left + x) * 3;
            if (index >= colours)                          // out-of-table index: black, as browsers show it
            {
                row[o] = row[o + 1] = row[o + 2] = 0;
                continue;
            }
            row[o] = palette[index * 3];
            row[o + 1] = palette[index * 3 + 1];
            row[o + 2] = palette[index * 3 + 2];
        }
    }

    /// <summary>Looks past the first image for a second one (extensions skipped); any read problem means "no".</summary>
    private static bool HasAnotherImage(GifFileHandle gif)
    {
        for (var guard = 0; guard < 1024; guard++)
        {
            if (!GifLib.GetRecordType(gif, out var record)) return false;
            if (record == GifLib.RecordImageDesc) return true;
            if (record != GifLib.RecordExtension) return false;
            if (!GifLib.GetExtension(gif, out _, out var block)) return false;
            while (block != null)
            {
                if (!GifLib.GetExtensionNext(gif, out block)) return false;
            }
        }
        return false;
    }

    private static ImageRejectedException Classify(int error, string where) => error switch
    {
        GifLib.ErrorReadFailed or GifLib.ErrorEofTooSoon => Reject.Truncated($"The GIF file is cut off: its {where} ends early."),
        _ => Reject.Corrupt($"The GIF file is damaged (giflib error {error} in its {where})."),
    };
}
