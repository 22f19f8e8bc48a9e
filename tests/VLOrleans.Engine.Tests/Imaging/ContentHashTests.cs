using VLOrleans.Engine.Imaging;
using Xunit;

namespace VLOrleans.Engine.Tests.Imaging;

public class ContentHashTests
{
    // 1000×700 RGB = 2.1 MB: three 1 MiB pieces, the last one short, so the split and the tail both matter.
    private static RgbImage Noise(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    [Fact]
    public void Parallel_and_sequential_hashing_agree_with_the_documented_definition()
    {
        var image = Noise(1000, 700, 1);
        var expected = RealCorpusTests.ReferenceHash(image);
        Assert.Equal(expected, ContentHash.Of(image, maxDegreeOfParallelism: 1));
        Assert.Equal(expected, ContentHash.Of(image, maxDegreeOfParallelism: 4));
    }

    [Fact]
    public void One_changed_byte_in_the_last_piece_changes_the_hash()
    {
        var image = Noise(1000, 700, 2);
        var before = ContentHash.Of(image);
        image.Pixels[^1] ^= 1;
        Assert.NotEqual(before, ContentHash.Of(image));
    }

    [Fact]
    public void Same_bytes_in_another_shape_hash_differently()
    {
        var a = Noise(40, 30, 3);
        var b = new RgbImage(30, 40, a.Pixels);
        Assert.NotEqual(ContentHash.Of(a), ContentHash.Of(b));
    }
}
