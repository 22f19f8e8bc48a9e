using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>Qwen2-VL and Qwen2.5-VL: Qwen2 decoder (q/k/v bias, chunked M-RoPE, no DeepStack) and their vision towers.</summary>
internal sealed class Qwen2VlConversionSpec(QwenVlFamily family) : IConversionFamilySpec
{
    public QwenVlFamily Family { get; } = family;

    public string EmbedTokensTensor => "model.language_model.embed_tokens.weight";

    public void BuildVision(OnnxModelBuilder builder, QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear) =>
        new Qwen2VisionGraphBuilder(Family, config.Vision, tensors, linear).Build(builder);

    public void BuildDecoder(OnnxModelBuilder builder, QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear, ConversionOptions options) =>
        new QwenDecoderGraphBuilder(config, tensors, linear, options).Build(builder);

    public IReadOnlyDictionary<string, string> VisionAuxInputs => Family == QwenVlFamily.Qwen25Vl ? Windowed : Plain;

    private static readonly Dictionary<string, string> Plain = new(StringComparer.Ordinal)
    {
        ["helper"] = "VLOrleans.Engine.Models.Package.VisionAuxInputs.Compute(config.Vision, image_grid_thw)",
        [GraphNames.ImageGridThw] = "int64 [1,3]: one frame per run (t = 1); the engine runs each frame of an image alone, so attention needs no mask",
        [GraphNames.RotaryCos] = "float32 [N,head_dim]: cos of cat(emb,emb), emb = [row*inv_freq, col*inv_freq], inv_freq = 10000^(-2j/(head_dim/2))",
        [GraphNames.RotarySin] = "float32 [N,head_dim]: sin, as rotary_cos",
        [GraphNames.AttentionSegmentIds] = "int64 [N]: all zero (one frame per run); only its length is read",
    };

    private static readonly Dictionary<string, string> Windowed = new(Plain, StringComparer.Ordinal)
    {
        [GraphNames.RotaryCos] = "float32 [N,head_dim]: as qwen2_vl, rows in window order",
        [GraphNames.RotarySin] = "float32 [N,head_dim]: sin, as rotary_cos",
        [GraphNames.AttentionSegmentIds] = "int64 [N]: all zero (one frame per run, rows in window order); only its length is read",
        [GraphNames.WindowPatchIndex] = "int64 [N]: window-order row i takes pixel_values row window_patch_index[i] (get_window_index, 112 px windows)",
        [GraphNames.WindowSegmentIds] = "int64 [N]: window number of each window-order row (windowed blocks attend within one)",
        [GraphNames.WindowMergedReverseIndex] = "int64 [N/4]: argsort(window_index): image_features row u = merger output row reverse[u]",
    };
}
