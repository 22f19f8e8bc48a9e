using BenchmarkDotNet.Attributes;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;

namespace VLOrleans.Benchmarks.Imaging;

/// <summary>
/// A decoded 1920×1080 RGB image → pixel_values (resize + normalise + patchify), the part of "JPEG bytes →
/// pixel_values" after decoding. Qwen3-VL resizes to 1920×1088 (vertical pass only; 50 MB of output),
/// Qwen2.5-VL to 1932×1092 (both passes; 50.6 MB). "Into" reuses one output buffer (as a pooled tensor would);
/// "Allocating" pays for a fresh array each time.
/// Run: <c>dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*QwenPreprocess*'</c>
/// </summary>
[MemoryDiagnoser]
public class QwenPreprocessBenchmarks
{
    private RgbImage _image = null!;
    private QwenImageProcessor _processor = null!;
    private float[] _buffer = null!;

    [Params("Qwen3-VL", "Qwen2.5-VL")]
    public string Model { get; set; } = "Qwen3-VL";

    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    [GlobalSetup]
    public void Setup()
    {
        // Photo-like content: smooth gradients plus ±8 of hashed noise (content does not change the work done).
        const int width = 1920, height = 1080;
        var pixels = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                {
                    uint n = unchecked((uint)(x * 73856093 ^ y * 19349663 ^ c * 83492791) * 0x5BD1E995u);
                    int v = (c == 0 ? x * 255 / width : c == 1 ? y * 255 / height : (x + y) * 255 / (width + height)) + (int)(n >> 28) - 8;
                    pixels[3 * (y * width + x) + c] = (byte)Math.Clamp(v, 0, 255);
                }
        _image = new RgbImage(width, height, pixels);
        var config = Model == "Qwen3-VL" ? QwenPreprocessorConfig.Qwen3VL : QwenPreprocessorConfig.Qwen2VL;
        _processor = new QwenImageProcessor(config, Threads);
        _buffer = new float[_processor.GetPixelValuesLength(height, width)];
    }

    [Benchmark]
    public ImageGrid Into() => _processor.ProcessInto(_image, _buffer);

    [Benchmark]
    public int Allocating() => _processor.Process(_image).PatchCount;
}
