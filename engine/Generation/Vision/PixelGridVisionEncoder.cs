using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.OnnxCommunity;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// Runs an onnx-community vision encoder (<c>vision_encoder*.onnx</c>): <c>pixel_values</c> f32[patches, C·T·P·P] and
/// the grid i64[1, 3] (named <c>grid_thw</c> for Qwen2-VL, <c>image_grid_thw</c> otherwise, as transformers.js names
/// them) → <c>image_features</c> f32[patches/4, H]. No DeepStack: the exports have no such output. Like
/// <see cref="VisionEncoder"/>: one image per run, its own session and threads, runs serialised, callers await.
/// </summary>
public sealed class PixelGridVisionEncoder : SerializedVisionEncoder
{
    private readonly string[] _inputNames;

    public PixelGridVisionEncoder(ModelPackage package, string variant, OnnxSessionOptions options)
        : base(OnnxSession.Load(package.VisionPath(variant), options), package.Config.Vision)
    {
        var path = package.VisionPath(variant);
        _inputNames = [GraphNames.PixelValues, OnnxCommunityLayout.GridInputName(package.Config.Family)];
        var declared = Session.Inputs.Select(i => i.Name).ToArray();
        if (!declared.Order().SequenceEqual(_inputNames.Order()) || !Session.Outputs.Any(o => o.Name == GraphNames.ImageFeatures))
        {
            Session.Dispose();
            throw new ModelLoadException($"{path}: expected inputs {string.Join(", ", _inputNames)} → {GraphNames.ImageFeatures}; " +
                $"the graph has {string.Join(", ", declared)} → {string.Join(", ", Session.Outputs.Select(o => o.Name))}");
        }
    }

    protected override VisionEmbeddings Run(float[] pixelValues, (int T, int H, int W) grid, int patches)
    {
        using var pixels = OnnxValue.CreateTensor(pixelValues, patches, Vision.PatchRowLength);
        using var thw = OnnxValue.CreateTensor(new long[] { grid.T, grid.H, grid.W }, 1, 3);
        var outputs = Session.Run(_inputNames, [pixels, thw], GraphNames.ImageFeatures);
        using var features = outputs[0];
        var values = features.ToArray<float>();
        return new VisionEmbeddings(values.Length / OutputHidden, OutputHidden, values, []);
    }
}
