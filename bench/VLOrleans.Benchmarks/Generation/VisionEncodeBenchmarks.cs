using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using VLOrleans.Engine.Generation.Vision;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Benchmarks.Generation;

/// <summary>
/// The vision encoder of the 2B-shaped model on one 640×480 photo (1,200 patches → 300 image tokens, ~0.93 TFLOP per
/// ARCHITECTURE.md), int4 and fp32 weights, 2 intra-op threads; pixel_values are made once in setup, so this is the
/// encoder alone (JpegToPixelValuesBenchmarks measures the preprocessing). Compare with the machine's matrix
/// throughput (vl bench --floors).
/// Run: dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*VisionEncodeBenchmarks*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class VisionEncodeBenchmarks
{
    private VisionEncoder _encoder = null!;
    private float[] _pixelValues = [];
    private (int T, int H, int W) _grid;

    [Params("int4", "fp32")]
    public string Variant { get; set; } = "int4";

    [GlobalSetup]
    public void Setup()
    {
        var package = ModelPackage.Open(BenchModelPackage.Folder);
        _encoder = new VisionEncoder(package, Variant, new OnnxSessionOptions { IntraOpThreadCount = 2 });
        var processor = new QwenImageProcessor(QwenPreprocessorConfig.Load(Path.Combine(package.Folder, "preprocessor_config.json")), 2);
        var photo = new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(BenchPaths.Shared, "images", "real", "qwen3vl__COCO_train2014_000000580957.jpg"))).Image;
        var image = BicubicResizer.Resize(photo, 640, 480, 2);
        var grid = processor.GetGrid(480, 640);
        _grid = (grid.T, grid.H, grid.W);
        _pixelValues = processor.Process(image).PixelValues;
    }

    [Benchmark]
    public int Encode() => _encoder.EncodeAsync(_pixelValues, _grid).GetAwaiter().GetResult().TokenCount;

    [GlobalCleanup]
    public void Cleanup() => _encoder.Dispose();
}
