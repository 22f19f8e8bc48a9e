namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// What the vision encoder produced for one image: the merged image features (one row per image token)
/// and, for Qwen3-VL, one DeepStack feature block per injected decoder layer, each with the same shape.
/// Immutable once built; shared by every sequence that shows the image.
/// </summary>
public sealed class VisionEmbeddings
{
    public VisionEmbeddings(int tokenCount, int hiddenSize, float[] features, IReadOnlyList<float[]> deepstack)
    {
        if (features.Length != (long)tokenCount * hiddenSize)
            throw new ArgumentException($"features hold {features.Length} values, expected {tokenCount}×{hiddenSize}", nameof(features));
        foreach (var block in deepstack)
        {
            if (block.Length != features.Length) throw new ArgumentException("every DeepStack block must match the features' shape", nameof(deepstack));
        }
        TokenCount = tokenCount;
        HiddenSize = hiddenSize;
        Features = features;
        Deepstack = deepstack;
    }

    /// <summary>Image tokens (<c>&lt;|image_pad|&gt;</c> positions) this image fills: t·h·w/4.</summary>
    public int TokenCount { get; }

    public int HiddenSize { get; }

    /// <summary>Row-major [TokenCount, HiddenSize].</summary>
    public float[] Features { get; }

    /// <summary>DeepStack blocks in decoder-layer order; empty for families without DeepStack.</summary>
    public IReadOnlyList<float[]> Deepstack { get; }

    /// <summary>Bytes held, for the cache's budget.</summary>
    public long ByteSize => 4L * Features.Length * (1 + Deepstack.Count);
}
