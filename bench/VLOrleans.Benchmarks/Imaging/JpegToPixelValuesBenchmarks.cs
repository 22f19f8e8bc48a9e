using BenchmarkDotNet.Attributes;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;

namespace VLOrleans.Benchmarks.Imaging;

/// <summary>
/// The whole intake of issue 4's target (≤ 20 ms on 2 cores): 1920×1080 JPEG bytes → decode (libjpeg-turbo, EXIF,
/// content hash) → Qwen preprocessing → pixel_values. The input is a corpus photo resized to 1920×1080 and encoded
/// once in memory at quality 90; DecodeOnly is the baseline measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class JpegToPixelValuesBenchmarks
{
    private byte[] _jpeg = [];
    private readonly ImageDecoder _decoder = new();
    private QwenImageProcessor _qwen3 = null!;
    private QwenImageProcessor _qwen25 = null!;
    private float[] _pixelValues = [];

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var photo = Path.Combine(BenchPaths.Shared, "images", "real", "minisolar__8k_stars_milky_way.jpg");
        var source = _decoder.Decode(File.ReadAllBytes(photo)).Image;
        _jpeg = JpegEncoder.Encode(BicubicResizer.Resize(source, 1920, 1080, 2), quality: 90);
        _qwen3 = new QwenImageProcessor(QwenPreprocessorConfig.Qwen3VL, Threads);
        _qwen25 = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL, Threads);
        _pixelValues = new float[_qwen3.GetPixelValuesLength(1080, 1920)];
    }

    [Benchmark(Baseline = true)]
    public int DecodeOnly() => _decoder.Decode(_jpeg).Image.Width;

    [Benchmark]
    public int Qwen3VL() => _qwen3.Process(_decoder.Decode(_jpeg).Image).PatchCount;

    /// <summary>Into a reused buffer, as the engine does: a fresh 50 MB array per image is a large-object allocation
    /// the GC must zero and collect (one gen-2 collection per image).</summary>
    [Benchmark]
    public int Qwen3VLReusedBuffer() => _qwen3.ProcessInto(_decoder.Decode(_jpeg).Image, _pixelValues).H;

    [Benchmark]
    public int Qwen25VL() => _qwen25.Process(_decoder.Decode(_jpeg).Image).PatchCount;
}
