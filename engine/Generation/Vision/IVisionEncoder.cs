namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// Turns one preprocessed image into its embeddings, off the decode loop. Two implementations: <see cref="VisionEncoder"/>
/// for our converted packages (host-computed rotary, position and segment inputs, DeepStack outputs) and
/// <see cref="PixelGridVisionEncoder"/> for the onnx-community layout (pixel values and grid only).
/// </summary>
public interface IVisionEncoder : IDisposable
{
    /// <summary>Width of each image-feature row (the text hidden size).</summary>
    int OutputHidden { get; }

    /// <summary>Vision runs so far (a cache hit runs none).</summary>
    long EncodeCount { get; }

    /// <summary>Encodes one preprocessed image on a thread-pool thread.</summary>
    /// <param name="pixelValues">[patches, C·T·P·P] in the processor's patch order.</param>
    /// <param name="grid">(t, h, w) in patches.</param>
    Task<VisionEmbeddings> EncodeAsync(float[] pixelValues, (int T, int H, int W) grid, CancellationToken cancellationToken = default);
}
