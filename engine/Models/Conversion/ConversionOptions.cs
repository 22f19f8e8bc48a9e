namespace VLOrleans.Engine.Models.Conversion;

/// <summary>What <see cref="ModelConverter"/> writes; one call produces one weight variant of the package.</summary>
public sealed record ConversionOptions
{
    /// <summary>Storage of the linear layers' weights (vision and decoder).</summary>
    public WeightFormat Weights { get; init; } = WeightFormat.Fp32;

    /// <summary>Storage of the LM head; null = same as <see cref="Weights"/>. The LM head is the largest single matrix
    /// (151936×2048 for 2B) and the most sensitive to quantisation, hence a separate choice.</summary>
    public WeightFormat? LmHead { get; init; }

    /// <summary>MatMulNBits block size along K: a power of two ≥ 16 (32 by default, like ORT GenAI's int4 builds).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>MatMulNBits accuracy_level: 0 (unset) … 4 (int8 activations; the fastest on this CPU, see ARCHITECTURE.md).</summary>
    public int AccuracyLevel { get; init; } = 4;

    public WeightFormat EffectiveLmHead => LmHead ?? Weights;

    /// <summary>Throws <see cref="ArgumentException"/> for values ONNX Runtime would reject at load time.</summary>
    public void Validate()
    {
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0)
            throw new ArgumentException($"block size {BlockSize} must be a power of two of at least 16 (MatMulNBits rejects others)");
        if (AccuracyLevel is < 0 or > 4)
            throw new ArgumentException($"accuracy level {AccuracyLevel} must be between 0 and 4");
    }
}
