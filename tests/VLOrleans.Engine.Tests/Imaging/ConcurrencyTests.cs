using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>One decoder instance serves concurrent requests: parallel decodes give the sequential results.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public void Parallel_decodes_match_sequential_ones()
    {
        string[] files =
        [
            "real/intel__gauge-1.jpg", "real/libpng__toucan.png", "real/pillow__flower.webp", "malformed/wuffs__muybridge.gif",
            "malformed/pillow__bmp_g_pal8rle.bmp", "malformed/pillow__pil_sample_cmyk.jpg", "real/exiforient__Landscape_6.jpg",
            "malformed/sharp__animated-loop-3.webp", "malformed/pillow__truncated_jpeg.jpg", "real/skimage__logo.png",
        ];
        var inputs = files.Select(f => File.ReadAllBytes(CorpusManifest.Get(f.Split('/')[0], f.Split('/')[1]).FullPath)).ToArray();
        var decoder = new ImageDecoder();
        var sequential = inputs.Select(b => Outcome(decoder, b)).ToArray();
        var parallel = new string[inputs.Length * 4];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = Outcome(decoder, inputs[i % inputs.Length]));
        for (var i = 0; i < parallel.Length; i++) Assert.Equal(sequential[i % inputs.Length], parallel[i]);
        Assert.Contains("truncated", sequential);
    }

    private static string Outcome(ImageDecoder decoder, byte[] bytes)
    {
        try
        {
            return decoder.Decode(bytes).Facts.ContentHash;
        }
        catch (ImageRejectedException e)
        {
            return e.Code;
        }
    }
}
