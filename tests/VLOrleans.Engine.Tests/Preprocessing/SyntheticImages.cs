using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Preprocessing;

/// <summary>
/// The synthetic test images, by the same integer formulas as tools/reference/preprocess/qwen_reference.py
/// (and make_tjs_fixtures.mjs), so inputs need not be stored: gradient, noise (a 32-bit hash), checker (7-px
/// cells), photo (gradient + noise % 33 − 16, clipped).
/// </summary>
internal static class SyntheticImages
{
    public static RgbImage Create(string generator, int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    pixels[3 * (y * width + x) + c] = generator switch
                    {
                        "gradient" => Gradient(x, y, c, width, height),
                        "noise" => Noise(x, y, c, seed),
                        "checker" => Checker(x, y, c),
                        "photo" => (byte)Math.Clamp(Gradient(x, y, c, width, height) + Noise(x, y, c, seed) % 33 - 16, 0, 255),
                        _ => throw new ArgumentException($"unknown generator {generator}"),
                    };
        return new RgbImage(width, height, pixels);
    }

    private static byte Gradient(int x, int y, int c, int w, int h) => (byte)(c switch
    {
        0 => x * 255 / Math.Max(w - 1, 1),
        1 => y * 255 / Math.Max(h - 1, 1),
        _ => (x + y) * 255 / Math.Max(w + h - 2, 1),
    });

    private static byte Noise(int x, int y, int c, int seed)
    {
        unchecked
        {
            uint n = ((uint)x * 73856093u) ^ ((uint)y * 19349663u) ^ ((uint)c * 83492791u) ^ ((uint)seed * 2654435761u);
            n ^= n >> 13;
            n *= 0x5BD1E995u;
            n ^= n >> 15;
            return (byte)n;
        }
    }

    private static byte Checker(int x, int y, int c)
    {
        bool on = (x / 7 + y / 7) % 2 == 1;
        return (byte)(c switch { 0 => on ? 235 : 16, 1 => on ? 16 : 235, _ => on ? 200 : 40 });
    }
}
