namespace VLOrleans.Engine.Models.Conversion;

/// <summary>What <see cref="ModelConverter"/> writes; one call produces one weight variant of the package.</summary>
public sealed record ConversionOptions
{
    /// <summary>Storage of the linear layers' weights (vision and decoder).</summary>
    public WeightFormat Weights { get; init; } = WeightFormat.Fp32;

    /// <summary>Storage of the LM head; null = <see cref="PreciseFormat"/> when "lm_head" is kept precise, else
    /// <see cref="Weights"/>. The LM head is the largest single matrix (151936×2048 for 2B) and the most sensitive to
    /// quantisation, hence a separate choice.</summary>
    public WeightFormat? LmHead { get; init; }

    /// <summary>
    /// Linear layers written in <see cref="PreciseFormat"/> instead of <see cref="Weights"/>: each entry is a prefix of
    /// the layer names the graph builders pass to <see cref="LinearLayerWriter.Linear"/> ("lm_head", "layers.0.",
    /// "visual.blocks.23.", "visual.merger.", …) or one of the aliases in <see cref="PreciseLayers.Aliases"/>
    /// ("merger", "deepstack", "patch_embed"). null = <see cref="PreciseLayers.DefaultFor"/> the weight format
    /// (w8a8 keeps the LM head and the vision mergers precise; the other formats keep nothing).
    /// </summary>
    public IReadOnlyList<string>? KeepPrecise { get; init; }

    /// <summary>Storage of the layers in <see cref="KeepPrecise"/>: int8 MatMulNBits by default (block-wise weight
    /// and activation scales, about 10× smaller error than w8a8's per-tensor activation scale at ¼ of fp32's memory).</summary>
    public WeightFormat PreciseFormat { get; init; } = WeightFormat.Int8;

    /// <summary>MatMulNBits block size along K: a power of two ≥ 16 (32 by default, like ORT GenAI's int4 builds).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>MatMulNBits accuracy_level: 0 (unset) … 4 (int8 activations; the fastest on this CPU, see ARCHITECTURE.md).</summary>
    public int AccuracyLevel { get; init; } = 4;

    /// <summary>The precise-layer prefixes in effect (aliases expanded).</summary>
    public IReadOnlyList<string> EffectiveKeepPrecise => PreciseLayers.Expand(KeepPrecise ?? PreciseLayers.DefaultFor(Weights));

    public WeightFormat EffectiveLmHead => LmHead ?? FormatOf("lm_head");

    /// <summary>The storage of the linear layer named <paramref name="layerName"/>.</summary>
    public WeightFormat FormatOf(string layerName) =>
        PreciseLayers.Matches(EffectiveKeepPrecise, layerName) ? PreciseFormat : Weights;

    /// <summary>Throws <see cref="ArgumentException"/> for values ONNX Runtime would reject at load time.</summary>
    public void Validate()
    {
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0)
            throw new ArgumentException($"block size {BlockSize} must be a power of two of at least 16 (MatMulNBits rejects others)");
        if (AccuracyLevel is < 0 or > 4)
            throw new ArgumentException($"accuracy level {AccuracyLevel} must be between 0 and 4");
        foreach (var prefix in KeepPrecise ?? [])
        {
            if (string.IsNullOrWhiteSpace(prefix)) throw new ArgumentException("an empty --keep-precise entry would match every layer");
        }
    }
}
