using System.Security.Cryptography;
using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>Every file of ../shared/images/real decodes to the size and orientation MANIFEST.md states.</summary>
public sealed class RealCorpusTests
{
    private static readonly ImageDecoder Decoder = new();

    public static IEnumerable<object[]> RealFiles => CorpusManifest.Names("real");

    [Fact]
    public void Manifest_lists_every_real_file()
    {
        var onDisk = Directory.GetFiles(Path.GetDirectoryName(CorpusManifest.Get("real", "sam__dog.jpg").FullPath)!)
            .Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(30, onDisk.Length);
        Assert.Equal(onDisk, CorpusManifest.Entries.Where(e => e.Set == "real").Select(e => e.Name).Order().ToArray());
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Decodes_with_the_manifest_size_and_orientation(string name)
    {
        var entry = CorpusManifest.Get("real", name);
        var bytes = File.ReadAllBytes(entry.FullPath);
        var result = Decoder.Decode(bytes);
        var facts = result.Facts;

        var (w, h) = entry.DeclaredSize!.Value;
        Assert.Equal((w, h), (facts.FileWidth, facts.FileHeight));
        Assert.Equal(entry.ExifOrientation, facts.Orientation);
        var swap = facts.Orientation >= 5;
        Assert.Equal(swap ? (h, w) : (w, h), (facts.OriginalWidth, facts.OriginalHeight));
        Assert.Equal(ExpectedFormat(entry.Format), facts.Format);
        Assert.Equal(bytes.LongLength, facts.EncodedBytes);

        // Decoded at full size unless above MaxDecodePixels (then scaled to at most that, same aspect within rounding).
        Assert.Equal((result.Image.Width, result.Image.Height), (facts.DecodedWidth, facts.DecodedHeight));
        if ((long)w * h <= Decoder.Limits.MaxDecodePixels)
        {
            Assert.Equal((facts.OriginalWidth, facts.OriginalHeight), (facts.DecodedWidth, facts.DecodedHeight));
        }
        else
        {
            Assert.True((long)facts.DecodedWidth * facts.DecodedHeight <= Decoder.Limits.MaxDecodePixels);
            Assert.True((long)facts.DecodedWidth * facts.DecodedHeight >= Decoder.Limits.MaxDecodePixels / 4, "scaled further than needed");
            Assert.Equal((double)facts.OriginalWidth / facts.OriginalHeight, (double)facts.DecodedWidth / facts.DecodedHeight, 2);
        }

        Assert.Equal(3L * result.Image.Width * result.Image.Height, result.Image.Pixels.LongLength);
        Assert.Equal(ReferenceHash(result.Image), facts.ContentHash);
    }

    [Fact]
    public void Exif_rotated_photo_comes_out_upright()
    {
        // Landscape_6.jpg: stored 1200x1800 with Orientation=6; displayed 1800x1200 (pixels checked against Pillow in PillowReferenceTests).
        var facts = Decoder.Decode(File.ReadAllBytes(CorpusManifest.Get("real", "exiforient__Landscape_6.jpg").FullPath)).Facts;
        Assert.Equal(6, facts.Orientation);
        Assert.Equal((1200, 1800), (facts.FileWidth, facts.FileHeight));
        Assert.Equal((1800, 1200), (facts.DecodedWidth, facts.DecodedHeight));
    }

    [Fact]
    public void Huge_jpeg_is_dct_scaled_to_the_largest_factor_within_the_budget()
    {
        // 8192x4096 = 33.5 Mpx > 16.78 Mpx: factors n/8 → 6/8 gives 25.2 Mpx (too many), 5/8 gives 5120x2560 = 13.1 Mpx.
        var facts = Decoder.Decode(File.ReadAllBytes(CorpusManifest.Get("real", "minisolar__8k_stars_milky_way.jpg").FullPath)).Facts;
        Assert.Equal((8192, 4096), (facts.OriginalWidth, facts.OriginalHeight));
        Assert.Equal((5120, 2560), (facts.DecodedWidth, facts.DecodedHeight));
        Assert.True(facts.WasScaledDown);
    }

    /// <summary>
    /// The documented tree hash, computed here independently and sequentially: SHA-256 over the domain tag, int32 LE
    /// width and height, then the SHA-256 of each 1 MiB piece of the pixels.
    /// </summary>
    internal static string ReferenceHash(RgbImage image)
    {
        using var root = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        root.AppendData("vlo-rgb-tree-1"u8);
        root.AppendData(BitConverter.GetBytes(image.Width));
        root.AppendData(BitConverter.GetBytes(image.Height));
        const int piece = 1024 * 1024;
        for (int offset = 0; offset == 0 || offset < image.Pixels.Length; offset += piece)
            root.AppendData(SHA256.HashData(image.Pixels.AsSpan(offset, Math.Min(piece, image.Pixels.Length - offset))));
        return Convert.ToHexString(root.GetHashAndReset()).ToLowerInvariant();
    }

    internal static ImageFormat ExpectedFormat(string manifestFormat) => manifestFormat switch
    {
        _ when manifestFormat.StartsWith("JPEG", StringComparison.Ordinal) => ImageFormat.Jpeg,
        _ when manifestFormat.StartsWith("PNG", StringComparison.Ordinal) => ImageFormat.Png,
        _ when manifestFormat.StartsWith("WebP", StringComparison.Ordinal) => ImageFormat.WebP,
        _ when manifestFormat.StartsWith("BMP", StringComparison.Ordinal) => ImageFormat.Bmp,
        _ when manifestFormat.StartsWith("GIF", StringComparison.Ordinal) => ImageFormat.Gif,
        _ => throw new ArgumentException($"not a supported format: {manifestFormat}"),
    };
}
