using VLOrleans.Engine.Models;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// What every vision encoder shares: its own ONNX session, runs serialised (one device, one image at a time; callers
/// await) on a thread-pool thread so the decode loop never waits, the pixel_values size check and the run counter.
/// Subclasses only feed their graph's inputs and read its outputs.
/// </summary>
public abstract class SerializedVisionEncoder : IVisionEncoder
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _encodes;

    protected SerializedVisionEncoder(OnnxSession session, QwenVisionConfig vision)
    {
        Session = session;
        Vision = vision;
        OutputHidden = vision.OutHiddenSize;
    }

    protected OnnxSession Session { get; }

    protected QwenVisionConfig Vision { get; }

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
        if (pixelValues.Length != (long)patches * Vision.PatchRowLength)
            throw new ArgumentException($"pixel_values hold {pixelValues.Length} values; grid ({grid.T},{grid.H},{grid.W}) needs {patches}×{Vision.PatchRowLength}");
        var embeddings = Run(pixelValues, grid, patches);
        Interlocked.Increment(ref _encodes);
        return embeddings;
    }

    /// <summary>One run of the graph for an image whose pixel_values size was checked: [patches, PatchRowLength].</summary>
    protected abstract VisionEmbeddings Run(float[] pixelValues, (int T, int H, int W) grid, int patches);

    public void Dispose()
    {
        Session.Dispose();
        _gate.Dispose();
        GC.SuppressFinalize(this);
    }
}
