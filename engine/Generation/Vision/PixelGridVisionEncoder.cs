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
public sealed class PixelGridVisionEncoder : IVisionEncoder
{
    private readonly OnnxSession _session;
    private readonly QwenVisionConfig _vision;
    private readonly string[] _inputNames;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _encodes;

    public PixelGridVisionEncoder(ModelPackage package, string variant, OnnxSessionOptions options)
    {
        _vision = package.Config.Vision;
        OutputHidden = _vision.OutHiddenSize;
        var path = package.VisionPath(variant);
        _session = OnnxSession.Load(path, options);
        _inputNames = [GraphNames.PixelValues, OnnxCommunityLayout.GridInputName(package.Config.Family)];
        var declared = _session.Inputs.Select(i => i.Name).ToArray();
        if (!declared.Order().SequenceEqual(_inputNames.Order()) || !_session.Outputs.Any(o => o.Name == GraphNames.ImageFeatures))
        {
            _session.Dispose();
            throw new ModelLoadException($"{path}: expected inputs {string.Join(", ", _inputNames)} → {GraphNames.ImageFeatures}; " +
                $"the graph has {string.Join(", ", declared)} → {string.Join(", ", _session.Outputs.Select(o => o.Name))}");
        }
    }

    public int OutputHidden { get; }

    public long EncodeCount => Interlocked.Read(ref _encodes);

    public async Task<VisionEmbeddings> EncodeAsync(float[] pixelValues, (int T, int H, int W) grid, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Encode(pixelValues, grid), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private VisionEmbeddings Encode(float[] pixelValues, (int T, int H, int W) grid)
    {
        var patches = grid.T * grid.H * grid.W;
        if (pixelValues.Length != (long)patches * _vision.PatchRowLength)
            throw new ArgumentException($"pixel_values hold {pixelValues.Length} values; grid ({grid.T},{grid.H},{grid.W}) needs {patches}×{_vision.PatchRowLength}");
        using var pixels = OnnxValue.CreateTensor(pixelValues, patches, _vision.PatchRowLength);
        using var thw = OnnxValue.CreateTensor(new long[] { grid.T, grid.H, grid.W }, 1, 3);
        var outputs = _session.Run(_inputNames, [pixels, thw], GraphNames.ImageFeatures);
        using var features = outputs[0];
        var values = features.ToArray<float>();
        Interlocked.Increment(ref _encodes);
        return new VisionEmbeddings(values.Length / OutputHidden, OutputHidden, values, []);
    }

    public void Dispose()
    {
        _session.Dispose();
        _gate.Dispose();
    }
}
