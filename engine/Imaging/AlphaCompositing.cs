namespace VLOrleans.Engine.Imaging;

/// <summary>
/// Flattens RGBA (straight, not premultiplied) onto an opaque white background in 8-bit sRGB
/// space, as Qwen's processor does (transformers `convert_to_rgb`: paste RGBA on a white RGBA
/// canvas with alpha_composite, then drop alpha): out = round((c·a + 255·(255 − a)) / 255).
/// </summary>
internal static class AlphaCompositing
{
    /// <summary>Flattens; returns whether any pixel was not fully opaque.</summary>
    public static bool OverWhite(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        var translucent = false;
        var pixels = rgba.Length / 4;
        if (rgb.Length < pixels * 3) throw new ArgumentException("destination too small", nameof(rgb));
        for (int i = 0, o = 0, p = 0; p < pixels; p++, i += 4, o += 3)
        {
            int a = rgba[i + 3];
            if (a == 255)
            {
                rgb[o] = rgba[i];
                rgb[o + 1] = rgba[i + 1];
                rgb[o + 2] = rgba[i + 2];
                continue;
            }
            translucent = true;
            var white = 255 * (255 - a);
            rgb[o] = Div255(rgba[i] * a + white);
            rgb[o + 1] = Div255(rgba[i + 1] * a + white);
            rgb[o + 2] = Div255(rgba[i + 2] * a + white);
        }
        return translucent;
    }

    /// <summary>Rounded v/255 for 0 ≤ v ≤ 255·255.</summary>
    private static byte Div255(int v) => (byte)((v + 127) / 255);
}
