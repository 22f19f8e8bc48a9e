using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>
/// Colour handling on pixels whose right answer is known by definition: alpha over white
/// (transformers convert_to_rgb: round((c·a + 255·(255 − a)) / 255)), grey → R = G = B,
/// palette + tRNS, 16-bit → 8-bit, CMYK (Adobe-inverted, naive transform) and GIF transparency.
/// </summary>
public sealed class KnownPixelTests
{
    private static readonly ImageDecoder Decoder = new();

    private static byte OverWhite(int c, int a) => (byte)Math.Round((c * a + 255.0 * (255 - a)) / 255.0, MidpointRounding.AwayFromZero);

    private static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        var o = (y * image.Width + x) * 3;
        return (image.Pixels[o], image.Pixels[o + 1], image.Pixels[o + 2]);
    }

    [Fact]
    public void Rgba_png_is_flattened_over_white()
    {
        int[] alphas = [0, 1, 64, 127, 128, 200, 254, 255];
        var row = alphas.SelectMany(a => new byte[] { 200, 100, 50, (byte)a }).ToArray();
        var result = Decoder.Decode(PngBuilder.Build(alphas.Length, 1, 8, 6, [row]));
        Assert.True(result.Facts.HadAlpha);
        for (var x = 0; x < alphas.Length; x++)
            Assert.Equal((OverWhite(200, alphas[x]), OverWhite(100, alphas[x]), OverWhite(50, alphas[x])), Pixel(result.Image, x, 0));
        Assert.Equal(((byte)255, (byte)255, (byte)255), Pixel(result.Image, 0, 0));
        Assert.Equal(((byte)200, (byte)100, (byte)50), Pixel(result.Image, 7, 0));
    }

    [Fact]
    public void Grey_and_grey_alpha_png_become_equal_rgb()
    {
        var grey = Decoder.Decode(PngBuilder.Build(3, 1, 8, 0, [[0, 77, 255]]));
        Assert.False(grey.Facts.HadAlpha);
        Assert.Equal(new byte[] { 0, 0, 0, 77, 77, 77, 255, 255, 255 }, grey.Image.Pixels);

        var greyAlpha = Decoder.Decode(PngBuilder.Build(2, 1, 8, 4, [[100, 128, 30, 255]]));
        Assert.True(greyAlpha.Facts.HadAlpha);
        var v = OverWhite(100, 128);
        Assert.Equal(new byte[] { v, v, v, 30, 30, 30 }, greyAlpha.Image.Pixels);
    }

    [Fact]
    public void Palette_with_trns_uses_per_entry_alpha()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        byte[] trns = [0, 128]; // entry 2 has no tRNS value: opaque
        var result = Decoder.Decode(PngBuilder.Build(3, 1, 8, 3, [[0, 1, 2]], palette, trns));
        Assert.True(result.Facts.HadAlpha);
        Assert.Equal(((byte)255, (byte)255, (byte)255), Pixel(result.Image, 0, 0));
        Assert.Equal((OverWhite(0, 128), OverWhite(255, 128), OverWhite(0, 128)), Pixel(result.Image, 1, 0));
        Assert.Equal(((byte)0, (byte)0, (byte)255), Pixel(result.Image, 2, 0));
    }

    [Fact]
    public void Sixteen_bit_png_keeps_the_high_byte_without_gamma_correction()
    {
        // Samples v·257 (0x0000, 0x8080, 0xFFFF, 0x3333) reduce to exactly v by both rounding and truncation.
        byte[] row = [0x00, 0x00, 0x80, 0x80, 0xFF, 0xFF, 0x33, 0x33, 0x80, 0x80, 0x00, 0x00];
        var result = Decoder.Decode(PngBuilder.Build(2, 1, 16, 2, [row]));
        Assert.Equal(new byte[] { 0, 128, 255, 51, 128, 0 }, result.Image.Pixels);
    }

    [Fact]
    public void One_bit_grey_png_expands_to_black_and_white()
    {
        var result = Decoder.Decode(PngBuilder.Build(8, 1, 1, 0, [[0b1010_0000]]));
        Assert.Equal(new byte[] { 255, 255, 255, 0, 0, 0, 255, 255, 255 }, result.Image.Pixels[..9]);
        Assert.Equal(new byte[] { 0, 0, 0 }, result.Image.Pixels[21..24]);
    }

    [Fact]
    public void Adobe_inverted_cmyk_jpeg_converts_by_ink()
    {
        // tests/fixtures/imaging/cmyk_quadrants.jpg (tools/reference/imaging/make_fixtures.py): Pillow
        // writes inverted CMYK + Adobe APP14. Inks (C,M,Y,K) per 16x16 quadrant; q=100, 4:4:4 solid blocks.
        (int C, int M, int Y, int K)[] inks = [(0, 255, 255, 0), (255, 0, 0, 0), (0, 0, 0, 128), (64, 128, 192, 32)];
        var image = Decoder.Decode(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "imaging", "cmyk_quadrants.jpg"))).Image;
        for (var q = 0; q < 4; q++)
        {
            var (c, m, y, k) = inks[q];
            double Channel(int ink) => 255.0 * (1 - ink / 255.0) * (1 - k / 255.0);
            var (r, g, b) = Pixel(image, (q % 2) * 16 + 8, (q / 2) * 16 + 8);
            Assert.InRange(r, Channel(c) - 2, Channel(c) + 2);
            Assert.InRange(g, Channel(m) - 2, Channel(m) + 2);
            Assert.InRange(b, Channel(y) - 2, Channel(y) + 2);
        }
    }

    [Fact]
    public void Gif_transparent_index_shows_white()
    {
        var result = Decoder.Decode(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "imaging", "gif_transparent.gif")));
        Assert.True(result.Facts.HadAlpha);
        Assert.Equal(((byte)255, (byte)255, (byte)255), Pixel(result.Image, 1, 3));
        Assert.Equal(((byte)0, (byte)0, (byte)255), Pixel(result.Image, 6, 3));
    }

    [Fact]
    public void Lossless_webp_alpha_is_flattened_over_white()
    {
        int[] alphas = [0, 1, 64, 127, 128, 200, 254, 255]; // per row, colour (200, 100, 50)
        var result = Decoder.Decode(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "imaging", "webp_alpha_lossless.webp")));
        Assert.True(result.Facts.HadAlpha);
        for (var y = 0; y < 8; y++)
            Assert.Equal((OverWhite(200, alphas[y]), OverWhite(100, alphas[y]), OverWhite(50, alphas[y])), Pixel(result.Image, 3, y));
    }

    [Fact]
    public void Apng_is_flagged_animated_and_its_default_image_decodes()
    {
        // acTL (APNG spec): num_frames = 2, num_plays = 0, before IDAT; the IDAT image is frame 0.
        byte[] actl = [0, 0, 0, 2, 0, 0, 0, 0];
        var result = Decoder.Decode(PngBuilder.Build(2, 1, 8, 0, [[10, 20]], extraChunks: [("acTL", actl)]));
        Assert.True(result.Facts.IsAnimated);
        Assert.Equal(new byte[] { 10, 10, 10, 20, 20, 20 }, result.Image.Pixels);
        Assert.False(Decoder.Decode(PngBuilder.Build(2, 1, 8, 0, [[10, 20]])).Facts.IsAnimated);
    }
}
