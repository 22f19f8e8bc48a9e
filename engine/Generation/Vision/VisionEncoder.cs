using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// Runs a package's vision graph, apart from the decode loop: its own ORT session (own intra-op threads, and its
/// own device when configured — e.g. vision on CPU, text on GPU) and its own thread, so a new image never stalls
/// the tokens other sessions are streaming. Encodes are serialised (one device, one run at a time); callers await.
/// <para>One graph run per frame (each t of an image's grid; an image has t = 1), outputs concatenated in frame order.
/// Exact: transformers' cu_seqlens give every frame its own attention segment, the position table and rotary angles
/// depend only on (h, w), and the 2×2 merge stays inside a frame (QWEN_VL_FACTS.md §2.2). With one segment per run the
/// newer graphs need no attention mask, so ORT's MultiHeadAttention runs its flash kernel in O(N) memory instead of
/// [heads, N, N] scores (4.3 GB for 1920×1080). Older packages' masked graphs get a single-segment mask of zeros: same
/// result.</para>
/// </summary>
public sealed class VisionEncoder : SerializedVisionEncoder
{
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public VisionEncoder(ModelPackage package, string variant, OnnxSessionOptions options)
        : base(OnnxSession.Load(package.VisionPath(variant), options), package.Config.Vision)
    {
        var deepstack = package.Manifest.Vision.DeepstackCount;
        // The inputs the graph declares: they differ per family (Qwen3-VL: position table; Qwen2.5-VL: window order).
        _inputNames = Session.Inputs.Select(i => i.Name).ToArray();
        _outputNames = [GraphNames.ImageFeatures, .. Enumerable.Range(0, deepstack).Select(GraphNames.DeepstackFeatures)];
    }

    protected override VisionEmbeddings Run(float[] pixelValues, (int T, int H, int W) grid, int patches)
    {
        long[] frame = [1, grid.H, grid.W];
        // Every frame has the same aux inputs (position table, rotary, windows depend on h and w only).
        var aux = VisionAuxInputs.Compute(Vision, frame);
        int frameRows = grid.H * grid.W, frameValues = aux.MergedTokenCount * OutputHidden;
        var outputs = new float[_outputNames.Length][];
        for (var j = 0; j < outputs.Length; j++) outputs[j] = new float[grid.T * frameValues];
        for (var f = 0; f < grid.T; f++)
        {
            var pixels = pixelValues.AsMemory(f * frameRows * Vision.PatchRowLength, frameRows * Vision.PatchRowLength);
            RunFrame(pixels, frame, aux, outputs, f * frameValues);
        }
        return new VisionEmbeddings(grid.T * aux.MergedTokenCount, OutputHidden, outputs[0], outputs[1..]);
    }

    /// <summary>One graph run; output j is copied to <paramref name="outputs"/>[j] at <paramref name="offset"/>.</summary>
    private void RunFrame(Memory<float> pixels, long[] frame, VisionAuxInputs aux, float[][] outputs, int offset)
    {
        var inputs = new List<OnnxValue>();
        OnnxValue[]? results = null;
        try
        {
            foreach (var name in _inputNames) inputs.Add(VisionGraphInputs.Create(name, pixels, frame, aux, Vision.PatchRowLength));
            results = Session.Run(_inputNames, inputs.ToArray(), _outputNames);
            var expected = aux.MergedTokenCount * OutputHidden;
            for (var j = 0; j < results.Length; j++)
            {
                var values = results[j].GetTensorSpan<float>();
                if (values.Length != expected)
                    throw new ModelLoadException($"the vision graph returned {values.Length} values for '{_outputNames[j]}'; {aux.MergedTokenCount}×{OutputHidden} expected");
                values.CopyTo(outputs[j].AsSpan(offset));
            }
        }
        finally
        {
            foreach (var value in inputs) value.Dispose();
            if (results is not null) foreach (var value in results) value.Dispose();
        }
    }
}
