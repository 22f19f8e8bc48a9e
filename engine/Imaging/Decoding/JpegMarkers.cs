using System.Buffers.Binary;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// A bounds-checked walk over JPEG marker segments up to the first scan (SOS): the frame header
/// (SOFn: precision, size, components, coding process), the first EXIF APP1 and the Adobe APP14
/// colour transform. Junk between segments is skipped to the next 0xFF, as libjpeg does.
/// </summary>
internal readonly record struct JpegMarkers(
    int Width, int Height, int Precision, int Components, byte SofMarker,
    int AdobeTransform, int ExifOffset, int ExifLength)
{
    public bool HasAdobeSegment => AdobeTransform >= 0;

    public bool IsLossless => SofMarker is 0xC3 or 0xC7 or 0xCB or 0xCF;

    public bool IsHierarchical => SofMarker is 0xC5 or 0xC6 or 0xC7 or 0xCD or 0xCE or 0xCF;

    public static JpegMarkers Scan(ReadOnlySpan<byte> data)
    {
        int width = 0, height = 0, precision = 0, components = 0, adobe = -1, exifOffset = 0, exifLength = 0;
        byte sof = 0;
        var pos = 2; // after SOI
        while (true)
        {
            while (pos < data.Length && data[pos] != 0xFF) pos++;          // junk before a marker
            while (pos < data.Length && data[pos] == 0xFF) pos++;          // fill bytes
            if (pos >= data.Length) break;
            var marker = data[pos++];
            if (marker == 0x00 || marker == 0x01 || marker is >= 0xD0 and <= 0xD7) continue; // no length
            if (marker == 0xD8) continue;
            if (marker == 0xD9)
            {
                if (sof == 0) throw Reject.Corrupt("The JPEG file ends (EOI marker) before any frame header.");
                break;
            }
            if (pos + 2 > data.Length) break;
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2) throw Reject.Corrupt($"The JPEG file has a marker segment with an invalid length ({length}).");
            var start = pos + 2;
            var available = Math.Min(length - 2, data.Length - start);
            var segment = data.Slice(start, available);

            if (marker == 0xDA) // SOS: the entropy-coded data follows; everything we need came before
            {
                if (sof == 0) throw Reject.Corrupt("The JPEG file has scan data before its frame header.");
                return new JpegMarkers(width, height, precision, components, sof, adobe, exifOffset, exifLength);
            }
            if (IsStartOfFrame(marker) && sof == 0 && segment.Length >= 6)
            {
                sof = marker;
                precision = segment[0];
                height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
                components = segment[5];
            }
            else if (marker == 0xE1 && exifLength == 0 && segment.StartsWith("Exif\0\0"u8))
            {
                exifOffset = start;
                exifLength = segment.Length;
            }
            else if (marker == 0xEE && adobe < 0 && segment.Length >= 12 && segment.StartsWith("Adobe"u8))
            {
                adobe = segment[11];
            }
            pos = start + length - 2;
        }
        if (sof == 0) throw Reject.Truncated("The JPEG file ends before its frame header (it is cut off or only a fragment).");
        // A frame header but no scan: nothing to decode.
        throw Reject.Truncated("The JPEG file ends before its image data.");
    }

    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC);
}
