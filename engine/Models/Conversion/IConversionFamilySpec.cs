using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// What differs per Qwen-VL family in conversion: the two graph builders and the host-side inputs they expect. The rest
/// (reading, weight formats, package layout, manifest) is shared in <see cref="ModelConverter"/>.
/// </summary>
internal interface IConversionFamilySpec
{
    QwenVlFamily Family { get; }

    /// <summary>Modern (transformers ≥ 4.57) name of the token embedding table.</summary>
    string EmbedTokensTensor { get; }

    void BuildVision(OnnxModelBuilder builder, QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear);

    void BuildDecoder(OnnxModelBuilder builder, QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear, ConversionOptions options);

    /// <summary>Manifest text for each host-computed vision input.</summary>
    IReadOnlyDictionary<string, string> VisionAuxInputs { get; }
}

/// <summary>Qwen3-VL (DeepStack, learned position table, q/k norm, interleaved M-RoPE).</summary>
internal sealed class Qwen3VlConversionSpec : IConversionFamilySpec
{
    public QwenVlFamily Family => QwenVlFamily.Qwen3Vl;

    public string EmbedTokensTensor => "model.language_model.embed_tokens.weight";

    public void BuildVision(OnnxModelBuilder builder, QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear) =>
        new Qwen3VisionGraphBuilder(config.Vision, tensors, linear).Build(builder);

    public void BuildDecoder(OnnxModelBuilder builder, QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear, ConversionOptions options) =>
        new QwenDecoderGraphBuilder(config, tensors, linear, options).Build(builder);

    public IReadOnlyDictionary<string, string> VisionAuxInputs { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["helper"] = "VLOrleans.Engine.Models.Package.VisionAuxInputs.Compute(config.Vision, image_grid_thw)",
        [Package.GraphNames.ImageGridThw] = "int64 [1,3]: one frame per run (t = 1); the engine runs each frame of an image alone, so attention needs no mask",
        [Package.GraphNames.PosEmbedIndices] = "int64 [N,4]: rows of the 48x48 position table per patch (bilinear, align_corners, merge order)",
        [Package.GraphNames.PosEmbedWeights] = "float32 [N,4]: bilinear weights for pos_embed_indices",
        [Package.GraphNames.RotaryCos] = "float32 [N,head_dim]: cos of cat(emb,emb), emb = [row*inv_freq, col*inv_freq], inv_freq = 10000^(-2j/(head_dim/2))",
        [Package.GraphNames.RotarySin] = "float32 [N,head_dim]: sin, as rotary_cos",
        [Package.GraphNames.AttentionSegmentIds] = "int64 [N]: all zero (one frame per run); only its length is read",
    };
}
