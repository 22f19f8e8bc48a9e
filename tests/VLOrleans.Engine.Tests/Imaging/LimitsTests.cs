using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>Each limit of <see cref="ImageLimits"/> refuses from the header, with its code.</summary>
public sealed class LimitsTests
{
    private static ImageRejectedException Refusal(ImageDecoder decoder, byte[] bytes) =>
        Assert.Throws<ImageRejectedException>(() => decoder.Decode(bytes));

    [Fact]
    public void Empty_input()
    {
        var e = Refusal(new ImageDecoder(), []);
        Assert.Equal(ImageRejectionReason.Empty, e.Reason);
        Assert.Equal("empty", e.Code);
    }

    [Fact]
    public void Too_many_encoded_bytes()
    {
        var png = PngBuilder.Build(1, 1, 8, 0, [[0]]);
        var e = Refusal(new ImageDecoder(ImageLimits.Default with { MaxEncodedBytes = png.Length - 1 }), png);
        Assert.Equal("too_large", e.Code);
    }

    [Fact]
    public void Aspect_ratio_above_200_as_qwen()
    {
        // 201:1 is refused, 200:1 accepted (Qwen's smart_resize raises when max/min > 200).
        Assert.Equal("aspect_ratio", Refusal(new ImageDecoder(), PngBuilder.HeaderOnly(201, 1)).Code);
        var ok = new ImageDecoder().Decode(PngBuilder.Build(200, 1, 8, 0, [new byte[200]]));
        Assert.Equal(200, ok.Image.Width);
    }

    [Fact]
    public void Too_small_when_a_minimum_side_is_set()
    {
        var decoder = new ImageDecoder(ImageLimits.Default with { MinSide = 2 });
        Assert.Equal("too_small", Refusal(decoder, PngBuilder.Build(1, 1, 8, 0, [[0]])).Code);
    }

    [Fact]
    public void Pixel_cap_applies_to_the_declared_size()
    {
        var decoder = new ImageDecoder(ImageLimits.Default with { MaxPixels = 100 });
        Assert.Equal("too_many_pixels", Refusal(decoder, PngBuilder.HeaderOnly(11, 10)).Code);
        Assert.Equal(10, decoder.Decode(PngBuilder.Build(10, 10, 8, 0, Enumerable.Repeat(new byte[10], 10).ToArray())).Image.Width);
    }

    [Fact]
    public void Header_with_zero_width_is_corrupt()
    {
        Assert.Equal("corrupt", Refusal(new ImageDecoder(), PngBuilder.HeaderOnly(0, 5)).Code);
    }

    [Theory]
    [InlineData(new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0 }, "TIFF")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31, 0x2E, 0x37 }, "PDF")]
    [InlineData(new byte[] { 0, 0, 0, 0x1C, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63 }, "HEIC")]
    [InlineData(new byte[] { 0x3C, 0x73, 0x76, 0x67, 0x20, 0x78, 0x3D, 0x22 }, "SVG")]
    [InlineData(new byte[] { 0x68, 0x65, 0x6C, 0x6C, 0x6F }, "not a recognised image")]
    public void Unsupported_formats_are_named(byte[] bytes, string name)
    {
        var e = Refusal(new ImageDecoder(), bytes);
        Assert.Equal("unsupported_format", e.Code);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains("supported formats are JPEG, PNG, WebP, BMP and GIF", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    // 8192x4096 (33.5 Mpx) with budget B: the largest n/8 whose ceil-scaled size fits.
    [InlineData(16L * 1024 * 1024, 5120, 2560)]   // 6/8 → 25.2 Mpx too many; 5/8 → 13.1 Mpx
    [InlineData(8192L * 4096, 8192, 4096)]        // fits: no scaling
    [InlineData(4096L * 2048, 4096, 2048)]        // exactly 4/8
    [InlineData(1_000_000, 1024, 512)]            // only 1/8 fits
    [InlineData(1000, 1024, 512)]                 // nothing fits: the smallest factor, 1/8
    public void Jpeg_scaling_rule(long maxDecodePixels, int width, int height)
    {
        Assert.Equal((width, height), VLOrleans.Engine.Imaging.Decoding.JpegDecoding.ScaledSize(8192, 4096, maxDecodePixels));
    }
}
