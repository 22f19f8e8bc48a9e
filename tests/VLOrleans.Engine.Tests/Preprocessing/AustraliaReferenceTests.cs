using System.Globalization;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Preprocessing;

/// <summary>
/// onnxruntime-extensions' published vector: australia.jpg (1300×876) through the Qwen2.5-VL pipeline, first 1000
/// pixel_values floats, accepted at MSE ≤ 1e-3 (their own threshold; their JPEG decoder and resize differ from ours).
/// Measured during development with Pillow-decoded pixels: MSE 5.2e-4 (max |error| 0.045), identical to what the
/// Python/Pillow/numpy HF pipeline gives against the same file.
/// </summary>
public class AustraliaReferenceTests
{
    /// <summary>The whole intake path: the engine's own decoder (libjpeg-turbo) feeds the preprocessing.</summary>
    [Fact]
    public void Australia_matches_ort_extensions_reference()
    {
        var jpeg = File.ReadAllBytes(RepoPaths.SharedFile("reference", "pixel-values", "australia.jpg"));
        var image = new ImageDecoder().Decode(jpeg).Image;
        Assert.Equal((1300, 876), (image.Width, image.Height));

        var config = QwenPreprocessorConfig.Load(RepoPaths.SharedFile("reference", "pixel-values", "qwen2.5vl_vision_processor.json"));
        var result = new QwenImageProcessor(config, 2).Process(image);
        Assert.Equal(new ImageGrid(1, 62, 92), result.Grid);
        Assert.Equal(1426, result.ImageTokenCount);

        var reference = File.ReadAllLines(RepoPaths.SharedFile("reference", "pixel-values", "qwen2.5vl_pixel_values_reference_first1000.txt"))
            .Where(l => l.Trim().Length > 0).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1000, reference.Length);
        double mse = reference.Select((r, i) => (r - result.PixelValues[i]) * (r - result.PixelValues[i])).Average();
        Assert.True(mse <= 1e-3, $"MSE {mse} against onnxruntime-extensions' reference (limit 1e-3)");
    }
}
