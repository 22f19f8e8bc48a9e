using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Engine.Models;

/// <summary>
/// A Qwen-VL checkpoint's <c>config.json</c>, parsed into one shape for all three families. Accepts both the
/// old form (text fields at the top level, <c>rope_scaling: {type: "mrope", mrope_section}</c>) and the new
/// (transformers ≥ 4.57/5: nested <c>text_config</c>/<c>vision_config</c>, <c>rope_parameters</c>).
/// </summary>
public sealed record QwenVlConfig
{
    public required QwenVlFamily Family { get; init; }
    public required QwenTextConfig Text { get; init; }
    public required QwenVisionConfig Vision { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public int ImageTokenId { get; init; } = 151655;
    public int VideoTokenId { get; init; } = 151656;
    public int VisionStartTokenId { get; init; } = 151652;
    public int VisionEndTokenId { get; init; } = 151653;

    public static QwenVlConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: config.json not found");
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (ModelLoadException e)
        {
            throw new ModelLoadException($"{path}: {e.Message}", e);
        }
    }

    public static QwenVlConfig Parse(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ModelLoadException("config is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"config is not valid JSON ({e.Message})", e);
        }
        var family = ParseFamily(Str(root, "model_type") ?? throw new ModelLoadException("config has no model_type"));
        var text = root["text_config"] as JsonObject ?? root;
        var vision = root["vision_config"] as JsonObject ?? throw new ModelLoadException("config has no vision_config");
        var textConfig = ParseText(family, text, root);
        return new QwenVlConfig
        {
            Family = family,
            Text = textConfig,
            Vision = ParseVision(family, vision, textConfig.HiddenSize),
            TieWordEmbeddings = Bool(root, "tie_word_embeddings") ?? Bool(text, "tie_word_embeddings") ?? family != QwenVlFamily.Qwen3Vl,
            ImageTokenId = Int(root, "image_token_id") ?? Int(text, "image_token_id") ?? 151655,
            VideoTokenId = Int(root, "video_token_id") ?? Int(text, "video_token_id") ?? 151656,
            VisionStartTokenId = Int(root, "vision_start_token_id") ?? Int(text, "vision_start_token_id") ?? 151652,
            VisionEndTokenId = Int(root, "vision_end_token_id") ?? Int(text, "vision_end_token_id") ?? 151653,
        };
    }

    private static QwenVlFamily ParseFamily(string modelType) => modelType switch
    {
        "qwen2_vl" => QwenVlFamily.Qwen2Vl,
        "qwen2_5_vl" => QwenVlFamily.Qwen25Vl,
        "qwen3_vl" => QwenVlFamily.Qwen3Vl,
        _ => throw new ModelLoadException($"model_type '{modelType}' is not a supported Qwen-VL family (qwen2_vl, qwen2_5_vl, qwen3_vl)"),
    };

    private static QwenTextConfig ParseText(QwenVlFamily family, JsonObject text, JsonObject root)
    {
        // rope: new form `rope_parameters`, old form `rope_scaling`; theta may sit in either or at the top.
        var rope = text["rope_parameters"] as JsonObject ?? text["rope_scaling"] as JsonObject ?? root["rope_scaling"] as JsonObject;
        var hidden = Need(text, "hidden_size");
        var heads = Need(text, "num_attention_heads");
        var defaultSection = family == QwenVlFamily.Qwen3Vl ? new[] { 24, 20, 20 } : [16, 24, 24];
        return new QwenTextConfig
        {
            HiddenSize = hidden,
            IntermediateSize = Need(text, "intermediate_size"),
            LayerCount = Need(text, "num_hidden_layers"),
            AttentionHeadCount = heads,
            KeyValueHeadCount = Int(text, "num_key_value_heads") ?? heads,
            HeadDim = Int(text, "head_dim") ?? hidden / heads,
            VocabSize = Need(text, "vocab_size"),
            RmsNormEps = Dbl(text, "rms_norm_eps") ?? 1e-6,
            RopeTheta = Dbl(text, "rope_theta") ?? (rope is null ? null : Dbl(rope, "rope_theta")) ?? (family == QwenVlFamily.Qwen3Vl ? 5_000_000 : 1_000_000),
            MropeSection = (rope?["mrope_section"] as JsonArray)?.Select(n => n!.GetValue<int>()).ToArray() ?? defaultSection,
            // Qwen3-VL always interleaves, whatever the flag says (transformers does not read it).
            MropeInterleaved = family == QwenVlFamily.Qwen3Vl,
            AttentionBias = family != QwenVlFamily.Qwen3Vl || (Bool(text, "attention_bias") ?? false),
            MaxPositionEmbeddings = Int(text, "max_position_embeddings") ?? 32768,
            HiddenAct = Str(text, "hidden_act") ?? "silu",
        };
    }

    private static QwenVisionConfig ParseVision(QwenVlFamily family, JsonObject v, int textHidden)
    {
        var patch = Int(v, "patch_size") ?? Int(v, "spatial_patch_size") ?? (family == QwenVlFamily.Qwen3Vl ? 16 : 14);
        if (family == QwenVlFamily.Qwen2Vl)
        {
            // Qwen2-VL: `embed_dim` is the ViT width and `hidden_size` the merger's output width.
            var embed = Int(v, "embed_dim") ?? 1280;
            return new QwenVisionConfig
            {
                Depth = Int(v, "depth") ?? 32,
                HiddenSize = embed,
                IntermediateSize = (int)(embed * (Dbl(v, "mlp_ratio") ?? 4)),
                HeadCount = Int(v, "num_heads") ?? 16,
                PatchSize = patch,
                TemporalPatchSize = Int(v, "temporal_patch_size") ?? 2,
                SpatialMergeSize = Int(v, "spatial_merge_size") ?? 2,
                InChannels = Int(v, "in_chans") ?? Int(v, "in_channels") ?? 3,
                OutHiddenSize = Int(v, "hidden_size") ?? textHidden,
                HiddenAct = Str(v, "hidden_act") ?? "quick_gelu",
            };
        }
        return new QwenVisionConfig
        {
            Depth = Need(v, "depth"),
            HiddenSize = Need(v, "hidden_size"),
            IntermediateSize = Need(v, "intermediate_size"),
            HeadCount = Need(v, "num_heads"),
            PatchSize = patch,
            TemporalPatchSize = Int(v, "temporal_patch_size") ?? 2,
            SpatialMergeSize = Int(v, "spatial_merge_size") ?? 2,
            InChannels = Int(v, "in_channels") ?? Int(v, "in_chans") ?? 3,
            OutHiddenSize = Int(v, "out_hidden_size") ?? textHidden,
            HiddenAct = Str(v, "hidden_act") ?? (family == QwenVlFamily.Qwen3Vl ? "gelu_pytorch_tanh" : "silu"),
            PositionEmbeddingCount = family == QwenVlFamily.Qwen3Vl ? Int(v, "num_position_embeddings") ?? 2304 : 0,
            DeepstackVisualIndexes = (v["deepstack_visual_indexes"] as JsonArray)?.Select(n => n!.GetValue<int>()).ToArray() ?? [],
            WindowSize = family == QwenVlFamily.Qwen25Vl ? Int(v, "window_size") ?? 112 : 0,
            FullAttentionBlockIndexes = (v["fullatt_block_indexes"] as JsonArray)?.Select(n => n!.GetValue<int>()).ToArray() ?? [],
            TokensPerSecond = Dbl(v, "tokens_per_second") ?? (family == QwenVlFamily.Qwen25Vl ? 2 : 0),
        };
    }

    private static int Need(JsonObject o, string key) => Int(o, key) ?? throw new ModelLoadException($"config lacks '{key}'");

    private static int? Int(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out double d) ? checked((int)d) : null;

    private static double? Dbl(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out double d) ? d : null;

    private static bool? Bool(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
