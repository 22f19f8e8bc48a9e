namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// Tensor names of the package's graphs (the contract between the converter, the manifest and the engine). Names
/// follow QWEN_VL_FACTS.md §0 / §1.4 (ORT GenAI and mobius), plus the vision graph's host-computed auxiliary inputs.
/// </summary>
public static class GraphNames
{
    // Vision encoder.
    public const string PixelValues = "pixel_values";
    public const string ImageGridThw = "image_grid_thw";

    /// <summary>int64 [N, 4]: rows of the 48×48 position table blended for each patch (see <see cref="VisionAuxInputs"/>).</summary>
    public const string PosEmbedIndices = "pos_embed_indices";

    /// <summary>float32 [N, 4]: bilinear weights of <see cref="PosEmbedIndices"/>.</summary>
    public const string PosEmbedWeights = "pos_embed_weights";

    /// <summary>float32 [N, head_dim_v]: cos of the 2D rotary angle per patch (already duplicated for rotate-half).</summary>
    public const string RotaryCos = "rotary_cos";

    /// <summary>float32 [N, head_dim_v]: sin, as <see cref="RotaryCos"/>.</summary>
    public const string RotarySin = "rotary_sin";

    /// <summary>int64 [N]: the frame (image × temporal slice) each patch belongs to; attention stays within a segment.</summary>
    public const string AttentionSegmentIds = "attention_segment_ids";

    /// <summary>int64 [N] (Qwen2.5-VL): patch row of the processor's order each window-order row takes.</summary>
    public const string WindowPatchIndex = "window_patch_index";

    /// <summary>int64 [N] (Qwen2.5-VL): the attention window of each window-order row (windowed blocks attend within one).</summary>
    public const string WindowSegmentIds = "window_segment_ids";

    /// <summary>int64 [N/4] (Qwen2.5-VL): the merger output row (window order) of each merged token in the processor's order.</summary>
    public const string WindowMergedReverseIndex = "window_merged_reverse_index";

    public const string ImageFeatures = "image_features";

    public static string DeepstackFeatures(int index) => $"deepstack_features_{index}";

    // Decoder.
    public const string InputsEmbeds = "inputs_embeds";
    public const string PerLayerInputs = "per_layer_inputs";
    public const string PositionIds = "position_ids";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";

    public static string PastKey(int layer) => $"past_key_values.{layer}.key";

    public static string PastValue(int layer) => $"past_key_values.{layer}.value";

    public static string PresentKey(int layer) => $"present.{layer}.key";

    public static string PresentValue(int layer) => $"present.{layer}.value";
}
