using System.Collections.Concurrent;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// The JPEGs the workload uploads: a photo of ../shared/images/real scaled to the planned size, one pixel set from
/// the plan's salt (so every uploaded image has its own content hash), encoded at quality 90. Made before a server
/// starts, so the client's own image work does not compete with the server for the 2 cores during a measurement.
/// </summary>
public sealed class BenchImages
{
    private readonly string _folder;
    private readonly ImageDecoder _decoder = new();
    private readonly ConcurrentDictionary<string, RgbImage> _photos = new();
    private readonly ConcurrentDictionary<(string, int, int), RgbImage> _scaled = new();
    private readonly ConcurrentDictionary<ImagePlan, byte[]> _jpegs = new();

    public BenchImages(string folder) => _folder = folder;

    /// <summary>Photos of the folder the decoder accepts, by file name, in a fixed order.</summary>
    public static IReadOnlyList<string> UsablePhotos(string folder)
    {
        var decoder = new ImageDecoder();
        var names = new List<string>();
        foreach (var path in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            try
            {
                var header = decoder.ReadHeader(File.ReadAllBytes(path));
                // Small icons and logos scale up badly and are not what users photograph.
                if (header.Width >= 320 && header.Height >= 240) names.Add(Path.GetFileName(path));
            }
            catch (ImageRejectedException)
            {
            }
        }
        return names;
    }

    public byte[] Jpeg(ImagePlan plan) => _jpegs.GetOrAdd(plan, Make);

    /// <summary>Makes the JPEGs of every plan ahead of time (in parallel).</summary>
    public void Prepare(IEnumerable<ImagePlan> plans) => Parallel.ForEach(plans.Distinct(), plan => Jpeg(plan));

    private byte[] Make(ImagePlan plan)
    {
        var scaled = _scaled.GetOrAdd((plan.Photo, plan.Width, plan.Height), key =>
        {
            var photo = _photos.GetOrAdd(key.Item1, name => _decoder.Decode(File.ReadAllBytes(Path.Combine(_folder, name))).Image);
            return BicubicResizer.Resize(photo, key.Item2, key.Item3);
        });
        var pixels = (byte[])scaled.Pixels.Clone();
        // The salt goes into a 2×2 block at the top-left so it survives JPEG's 8×8 DCT as a distinct image.
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 2; x++)
            {
                var o = y * scaled.Stride + x * 3;
                pixels[o] = (byte)plan.Salt;
                pixels[o + 1] = (byte)(plan.Salt >> 8);
                pixels[o + 2] = (byte)(plan.Salt >> 16);
            }
        }
        return JpegEncoder.Encode(new RgbImage(scaled.Width, scaled.Height, pixels), 90);
    }
}
