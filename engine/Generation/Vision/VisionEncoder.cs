using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// Runs a package's vision graph, apart from the decode loop: its own ORT session (own intra-op threads, and its
/// own device when configured — e.g. vision on CPU, text on GPU) and its own thread, so a new image never stalls
/// the tokens other sessions are streaming. One image per run: the embedding cache is per image anyway, and the
/// block-diagonal attention then costs N² for one image instead of (ΣN)² for a batch. Encodes are serialised
/// (one device, one run at a time); callers await.
/// </summary>
public sealed class VisionEncoder : IVisionEncoder
{
    private readonly OnnxSession _session;
    private readonly QwenVisionConfig _vision;
    private readonly int _deepstack;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _encodes;

    public VisionEncoder(ModelPackage package, string variant, OnnxSessionOptions options)
    {
        _vision = package.Config.Vision;
        _deepstack = package.Manifest.Vision.DeepstackCount;
        OutputHidden = _vision.OutHiddenSize;
        _session = OnnxSession.Load(package.VisionPath(variant), options);
        // The inputs the graph declares: they differ per family (Qwen3-VL: position table; Qwen2.5-VL: window order).
        _inputNames = _session.Inputs.Select(i => i.Name).ToArray();
        _outputNames = [GraphNames.ImageFeatures, .. Enumerable.Range(0, _deepstack).Select(GraphNames.DeepstackFeatures)];
    }

    /// <summary>Width of each image-feature row (the text hidden size).</summary>
    public int OutputHidden { get; }

    /// <summary>Vision runs so far (a cache hit runs none).</summary>
    public long EncodeCount => Interlocked.Read(ref _encodes);

    /// <summary>Encodes one preprocessed image on a thread-pool thread (never the caller's or the decode loop's).</summary>
    /// <param name="pixelValues">[patches, C·T·P·P] in the processor's patch order.</param>
    /// <param name="grid">(t, h, w) in patches.</param>
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
        long[] thw = [grid.T, grid.H, grid.W];
        var aux = VisionAuxInputs.Compute(_vision, thw);
        var inputs = new List<OnnxValue>();
        OnnxValue[]? outputs = null;
        try
        {
            foreach (var name in _inputNames) inputs.Add(VisionGraphInputs.Create(name, pixelValues, thw, aux, _vision.PatchRowLength));
            outputs = _session.Run(_inputNames, inputs.ToArray(), _outputNames);
            var features = outputs[0].ToArray<float>();
            var deepstack = outputs.Skip(1).Select(o => o.ToArray<float>()).ToArray();
            Interlocked.Increment(ref _encodes);
            return new VisionEmbeddings(features.Length / OutputHidden, OutputHidden, features, deepstack);
        }
        finally
        {
            foreach (var value in inputs) value.Dispose();
            if (outputs is not null) foreach (var value in outputs) value.Dispose();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _gate.Dispose();
    }
}
