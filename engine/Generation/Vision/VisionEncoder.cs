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
public sealed class VisionEncoder : SerializedVisionEncoder
{
    private readonly int _deepstack;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public VisionEncoder(ModelPackage package, string variant, OnnxSessionOptions options)
        : base(OnnxSession.Load(package.VisionPath(variant), options), package.Config.Vision)
    {
        _deepstack = package.Manifest.Vision.DeepstackCount;
        // The inputs the graph declares: they differ per family (Qwen3-VL: position table; Qwen2.5-VL: window order).
        _inputNames = Session.Inputs.Select(i => i.Name).ToArray();
        _outputNames = [GraphNames.ImageFeatures, .. Enumerable.Range(0, _deepstack).Select(GraphNames.DeepstackFeatures)];
    }

    protected override VisionEmbeddings Run(float[] pixelValues, (int T, int H, int W) grid, int patches)
    {
        long[] thw = [grid.T, grid.H, grid.W];
        var aux = VisionAuxInputs.Compute(Vision, thw);
        var inputs = new List<OnnxValue>();
        OnnxValue[]? outputs = null;
        try
        {
            foreach (var name in _inputNames) inputs.Add(VisionGraphInputs.Create(name, pixelValues, thw, aux, Vision.PatchRowLength));
            outputs = Session.Run(_inputNames, inputs.ToArray(), _outputNames);
            var features = outputs[0].ToArray<float>();
            var deepstack = outputs.Skip(1).Select(o => o.ToArray<float>()).ToArray();
            return new VisionEmbeddings(features.Length / OutputHidden, OutputHidden, features, deepstack);
        }
        finally
        {
            foreach (var value in inputs) value.Dispose();
            if (outputs is not null) foreach (var value in outputs) value.Dispose();
        }
    }
}
