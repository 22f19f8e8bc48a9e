using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Imaging;

public sealed class JpegEncoderTests
{
    [Fact]
    public void An_encoded_image_decodes_back_to_its_size_and_colours()
    {
        // Four flat quadrants: JPEG keeps flat colours to within a few levels away from the edges.
        const int w = 64, h = 48;
        var pixels = new byte[3 * w * h];
        byte[][] colours = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [240, 240, 240]];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                colours[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)].CopyTo(pixels, 3 * (y * w + x));
        var jpeg = JpegEncoder.Encode(new RgbImage(w, h, pixels), quality: 95);
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, jpeg[..2]);

        var decoded = new ImageDecoder().Decode(jpeg);
        Assert.Equal(ImageFormat.Jpeg, decoded.Facts.Format);
        Assert.Equal((w, h), (decoded.Image.Width, decoded.Image.Height));
        foreach (var (x, y, c) in new[] { (8, 8, 0), (56, 8, 1), (8, 40, 2), (56, 40, 3) })
            for (var ch = 0; ch < 3; ch++)
                Assert.InRange(decoded.Image.Pixels[3 * (y * w + x) + ch], colours[c][ch] - 6, colours[c][ch] + 6);
    }
}
