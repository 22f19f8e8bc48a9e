namespace VLOrleans.Engine.Imaging;

/// <summary>
/// CMYK → RGB without a colour profile (the naive transform every browser-less decoder uses:
/// R = (1 − C)(1 − K) in ink fractions). Photoshop writes CMYK/YCCK JPEGs "Adobe-inverted"
/// (stored byte = 255 − ink; marked by an APP14 "Adobe" segment), so then R = C_stored·K_stored/255.
/// </summary>
internal static class CmykConversion
{
    public static void ToRgb(ReadOnlySpan<byte> cmyk, Span<byte> rgb, bool adobeInverted)
    {
        var pixels = cmyk.Length / 4;
        if (rgb.Length < pixels * 3) throw new ArgumentException("destination too small", nameof(rgb));
        for (int i = 0, o = 0, p = 0; p < pixels; p++, i += 4, o += 3)
        {
            int c = cmyk[i], m = cmyk[i + 1], y = cmyk[i + 2], k = cmyk[i + 3];
            if (!adobeInverted)
            {
                c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
            }
            // Now c, m, y, k are "paper remaining" fractions ×255.
            rgb[o] = (byte)((c * k + 127) / 255);
            rgb[o + 1] = (byte)((m * k + 127) / 255);
            rgb[o + 2] = (byte)((y * k + 127) / 255);
        }
    }
}
