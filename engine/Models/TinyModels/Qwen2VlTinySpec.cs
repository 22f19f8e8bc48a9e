using System.Text.Json.Nodes;

namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>
/// Qwen2-VL and Qwen2.5-VL checkpoints in the transformers ≥ 4.52 layout (<c>model.visual.*</c>, <c>model.language_model.*</c>),
/// checked against huggingface/transformers <c>models/qwen2_vl/modeling_qwen2_vl.py</c> and
/// <c>models/qwen2_5_vl/modeling_qwen2_5_vl.py</c>. Both share the Qwen2 decoder (q/k/v bias, no q/k norm, chunked M-RoPE);
/// the vision towers differ:
/// <list type="bullet">
/// <item>Qwen2-VL: LayerNorm blocks (weight + bias), <c>mlp.fc1</c>/<c>mlp.fc2</c> with quick_gelu; merger <c>ln_q</c> LayerNorm;
/// config names the ViT width <c>embed_dim</c> and the merger output <c>hidden_size</c>.</item>
/// <item>Qwen2.5-VL: RMSNorm blocks (weight only), SwiGLU <c>mlp.gate_proj/up_proj/down_proj</c> with bias; merger <c>ln_q</c> RMSNorm;
/// window attention (<c>window_size</c> 112 px) except <c>fullatt_block_indexes</c>.</item>
/// </list>
/// Both: patch embed without bias, <c>attn.qkv</c>/<c>attn.proj</c> with bias, merger <c>mlp.0</c> (4E→4E) and <c>mlp.2</c> (4E→out).
/// Only the <c>tiny</c> preset exists for these families (the 2b/4b presets are Qwen3-VL shapes).
/// </summary>
public sealed class Qwen2VlTinySpec(QwenVlFamily family) : ITinyModelFamilySpec
{
    private const int Vocab = 151936;
    private const int PatchSize = 14;
    private const int TemporalPatchSize = 2;
    private const int MergeSize = 2;

    // Text: H 64, I 128, 3 layers, 4 heads × 16, 2 kv heads. head_dim 16 → 8 frequencies, chunked [2,3,3] like [16,24,24]
    // for 64: T on j < 2, H on 2 ≤ j < 5, W on 5 ≤ j < 8. theta 10000 (not 1e6) so test-sized positions rotate measurably.
    private const int Hidden = 64, Intermediate = 128, Layers = 3, Heads = 4, KvHeads = 2, HeadDim = 16;
    private static readonly int[] MropeSection = [2, 3, 3];
    private const double RopeTheta = 10_000;

    // Vision: E 32, 2 heads × 16 (2D rotary: 4 row + 4 column frequencies, duplicated), I_v 64, 4 blocks.
    private const int VisionHidden = 32, VisionHeads = 2, VisionDepth = 4, VisionIntermediate = 64;

    /// <summary>Qwen2.5-VL: blocks 1 and 3 attend over the whole frame, 0 and 2 within 112-px windows (as [7,15,23,31] of 32).</summary>
    private static readonly int[] FullAttentionBlocks = [1, 3];

    public QwenVlFamily Family { get; } = family is QwenVlFamily.Qwen2Vl or QwenVlFamily.Qwen25Vl ? family
        : throw new ArgumentOutOfRangeException(nameof(family), family, "Qwen2VlTinySpec writes qwen2_vl and qwen2_5_vl checkpoints");

    private bool IsQwen25 => Family == QwenVlFamily.Qwen25Vl;

    public (double WeightStd, double NormNoiseStd) InitScale(TinyModelPreset preset) => (0.1, 0.1);

    public JsonObject Config(TinyModelPreset preset)
    {
        RequireTiny(preset);
        var vision = IsQwen25
            ? new JsonObject
            {
                ["depth"] = VisionDepth,
                ["fullatt_block_indexes"] = new JsonArray(FullAttentionBlocks.Select(v => (JsonNode?)v).ToArray()),
                ["hidden_act"] = "silu",
                ["hidden_size"] = VisionHidden,
                ["in_chans"] = 3,
                ["intermediate_size"] = VisionIntermediate,
                ["model_type"] = "qwen2_5_vl",
                ["num_heads"] = VisionHeads,
                ["out_hidden_size"] = Hidden,
                ["patch_size"] = PatchSize,
                ["spatial_merge_size"] = MergeSize,
                ["spatial_patch_size"] = PatchSize,
                ["temporal_patch_size"] = TemporalPatchSize,
                ["tokens_per_second"] = 2,
                ["window_size"] = 112,
            }
            : new JsonObject
            {
                ["depth"] = VisionDepth,
                ["embed_dim"] = VisionHidden,
                ["hidden_act"] = "quick_gelu",
                ["hidden_size"] = Hidden,
                ["in_chans"] = 3,
                ["mlp_ratio"] = VisionIntermediate / VisionHidden,
                ["model_type"] = "qwen2_vl",
                ["num_heads"] = VisionHeads,
                ["patch_size"] = PatchSize,
                ["spatial_merge_size"] = MergeSize,
                ["spatial_patch_size"] = PatchSize,
                ["temporal_patch_size"] = TemporalPatchSize,
            };
        // The old (pre-4.57) top-level form the released Qwen2/2.5-VL config.json files use.
        return new JsonObject
        {
            ["architectures"] = new JsonArray(IsQwen25 ? "Qwen2_5_VLForConditionalGeneration" : "Qwen2VLForConditionalGeneration"),
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 151643,
            ["eos_token_id"] = 151645,
            ["hidden_act"] = "silu",
            ["hidden_size"] = Hidden,
            ["image_token_id"] = 151655,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = Intermediate,
            ["max_position_embeddings"] = IsQwen25 ? 128000 : 32768,
            ["max_window_layers"] = Layers,
            ["model_type"] = IsQwen25 ? "qwen2_5_vl" : "qwen2_vl",
            ["num_attention_heads"] = Heads,
            ["num_hidden_layers"] = Layers,
            ["num_key_value_heads"] = KvHeads,
            ["rms_norm_eps"] = 1e-6,
            ["rope_scaling"] = new JsonObject
            {
                ["mrope_section"] = new JsonArray(MropeSection.Select(v => (JsonNode?)v).ToArray()),
                ["rope_type"] = "default",
                ["type"] = "default",
            },
            ["rope_theta"] = RopeTheta,
            ["sliding_window"] = 32768,
            ["tie_word_embeddings"] = true,
            ["torch_dtype"] = "bfloat16",
            ["transformers_version"] = IsQwen25 ? "4.49.0" : "4.45.0",
            ["use_cache"] = true,
            ["use_sliding_window"] = false,
            ["video_token_id"] = 151656,
            ["vision_config"] = vision,
            ["vision_end_token_id"] = 151653,
            ["vision_start_token_id"] = 151652,
            ["vision_token_id"] = 151654,
            ["vocab_size"] = Vocab,
        };
    }

    public JsonObject PreprocessorConfig(TinyModelPreset preset)
    {
        RequireTiny(preset);
        return new JsonObject
        {
            // min_pixels as shipped (3136 = 4·28²); max_pixels capped at 153664 = 196·28² (≤ 784 patches) so test images stay small.
            ["min_pixels"] = 3136,
            ["max_pixels"] = 153664,
            ["patch_size"] = PatchSize,
            ["temporal_patch_size"] = TemporalPatchSize,
            ["merge_size"] = MergeSize,
            ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
            ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
            ["image_processor_type"] = "Qwen2VLImageProcessor",
            ["processor_class"] = IsQwen25 ? "Qwen2_5_VLProcessor" : "Qwen2VLProcessor",
        };
    }

    public JsonObject GenerationConfig(TinyModelPreset preset) => new()
    {
        // Qwen2-VL / Qwen2.5-VL Instruct (QWEN_VL_FACTS.md §3).
        ["bos_token_id"] = 151643,
        ["pad_token_id"] = 151643,
        ["do_sample"] = true,
        ["eos_token_id"] = new JsonArray(151645, 151643),
        ["repetition_penalty"] = 1.05,
        ["temperature"] = 0.1,
        ["top_k"] = 1,
        ["top_p"] = 0.001,
    };

    public IReadOnlyList<TinyTensorSpec> Tensors(TinyModelPreset preset)
    {
        RequireTiny(preset);
        var list = new List<TinyTensorSpec>();
        void W(string name, params long[] shape) => list.Add(new TinyTensorSpec(name, shape, TinyInit.Weight));
        void N(string name, params long[] shape) => list.Add(new TinyTensorSpec(name, shape, TinyInit.NormScale));

        long e = VisionHidden, merged = e * MergeSize * MergeSize;
        W("model.visual.patch_embed.proj.weight", e, 3, TemporalPatchSize, PatchSize, PatchSize);
        for (var i = 0; i < VisionDepth; i++)
        {
            var p = $"model.visual.blocks.{i}.";
            N(p + "norm1.weight", e);
            if (!IsQwen25) W(p + "norm1.bias", e);
            N(p + "norm2.weight", e);
            if (!IsQwen25) W(p + "norm2.bias", e);
            W(p + "attn.qkv.weight", 3 * e, e);
            W(p + "attn.qkv.bias", 3 * e);
            W(p + "attn.proj.weight", e, e);
            W(p + "attn.proj.bias", e);
            if (IsQwen25)
            {
                foreach (var proj in new[] { "gate_proj", "up_proj" })
                {
                    W(p + $"mlp.{proj}.weight", VisionIntermediate, e);
                    W(p + $"mlp.{proj}.bias", VisionIntermediate);
                }
                W(p + "mlp.down_proj.weight", e, VisionIntermediate);
                W(p + "mlp.down_proj.bias", e);
            }
            else
            {
                W(p + "mlp.fc1.weight", VisionIntermediate, e);
                W(p + "mlp.fc1.bias", VisionIntermediate);
                W(p + "mlp.fc2.weight", e, VisionIntermediate);
                W(p + "mlp.fc2.bias", e);
            }
        }
        N("model.visual.merger.ln_q.weight", e);
        if (!IsQwen25) W("model.visual.merger.ln_q.bias", e);
        W("model.visual.merger.mlp.0.weight", merged, merged);
        W("model.visual.merger.mlp.0.bias", merged);
        W("model.visual.merger.mlp.2.weight", Hidden, merged);
        W("model.visual.merger.mlp.2.bias", Hidden);

        long h = Hidden, q = Heads * HeadDim, kv = KvHeads * HeadDim;
        W("model.language_model.embed_tokens.weight", Vocab, h);
        for (var i = 0; i < Layers; i++)
        {
            var p = $"model.language_model.layers.{i}.";
            N(p + "input_layernorm.weight", h);
            W(p + "self_attn.q_proj.weight", q, h);
            W(p + "self_attn.q_proj.bias", q);
            W(p + "self_attn.k_proj.weight", kv, h);
            W(p + "self_attn.k_proj.bias", kv);
            W(p + "self_attn.v_proj.weight", kv, h);
            W(p + "self_attn.v_proj.bias", kv);
            W(p + "self_attn.o_proj.weight", h, q);
            N(p + "post_attention_layernorm.weight", h);
            W(p + "mlp.gate_proj.weight", Intermediate, h);
            W(p + "mlp.up_proj.weight", Intermediate, h);
            W(p + "mlp.down_proj.weight", h, Intermediate);
        }
        N("model.language_model.norm.weight", h);
        return list;
    }

    private void RequireTiny(TinyModelPreset preset)
    {
        if (preset != TinyModelPreset.Tiny)
            throw new TinyModelException(TinyModelException.UnknownPreset,
                $"preset '{preset.ToName()}' has the Qwen3-VL shapes; {CliName} supports only 'tiny'");
    }

    private string CliName => IsQwen25 ? "qwen2.5-vl" : "qwen2-vl";
}
