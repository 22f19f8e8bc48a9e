namespace VLOrleans.Engine.Imaging;

/// <summary>
/// Applies an EXIF orientation (TIFF tag 0x0112) so the pixels come out upright:
/// 1 as stored, 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose,
/// 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
/// 5..8 swap width and height.
/// </summary>
internal static class ExifOrientation
{
    public static bool IsValid(int orientation) => orientation is >= 1 and <= 8;

    public static bool SwapsAxes(int orientation) => orientation is >= 5 and <= 8;

    public static RgbImage Apply(RgbImage image, int orientation)
    {
        if (!IsValid(orientation) || orientation == 1) return image;
        int w = image.Width, h = image.Height;
        var (dw, dh) = SwapsAxes(orientation) ? (h, w) : (w, h);
        var src = image.Pixels;
        var dst = GC.AllocateUninitializedArray<byte>(src.Length);
        // Along an upright row the source moves by a constant step (±3 bytes or ±one stored row),
        // so each row needs only its first source pixel and that step.
        var (x1, y1) = SourceOf(orientation, 1, 0, w, h);
        var (x0, y0) = SourceOf(orientation, 0, 0, w, h);
        var step = ((y1 - y0) * w + (x1 - x0)) * 3;
        for (var dy = 0; dy < dh; dy++)
        {
            var row = dst.AsSpan(dy * dw * 3, dw * 3);
            var (sx, sy) = SourceOf(orientation, 0, dy, w, h);
            var s = (sy * w + sx) * 3;
            for (var o = 0; o < row.Length; o += 3, s += step)
            {
                row[o] = src[s];
                row[o + 1] = src[s + 1];
                row[o + 2] = src[s + 2];
            }
        }
        return new RgbImage(dw, dh, dst);
    }

    /// <summary>The stored pixel shown at upright position (dx, dy); w, h are the stored size.</summary>
    private static (int X, int Y) SourceOf(int orientation, int dx, int dy, int w, int h) => orientation switch
    {
        2 => (w - 1 - dx, dy),
        3 => (w - 1 - dx, h - 1 - dy),
        4 => (dx, h - 1 - dy),
        5 => (dy, dx),
        6 => (dy, h - 1 - dx),
        7 => (w - 1 - dy, h - 1 - dx),
        8 => (w - 1 - dy, dx),
        _ => (dx, dy),
    };
}
