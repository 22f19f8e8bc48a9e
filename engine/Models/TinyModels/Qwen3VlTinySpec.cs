using System.Text.Json.Nodes;

namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>
/// Qwen3-VL checkpoints in the transformers ≥ 4.57 layout (<c>Qwen3VLForConditionalGeneration</c>: <c>model.visual.*</c>,
/// <c>model.language_model.*</c>, <c>lm_head</c> only when untied), checked against
/// huggingface/transformers <c>src/transformers/models/qwen3_vl/modeling_qwen3_vl.py</c> @ 00709b86.
/// </summary>
public sealed class Qwen3VlTinySpec : ITinyModelFamilySpec
{
    public QwenVlFamily Family => QwenVlFamily.Qwen3Vl;

    public (double WeightStd, double NormNoiseStd) InitScale(TinyModelPreset preset) =>
        // Tiny: std 0.1 so that with widths 32/64 attention scores and activations are O(1) and a wrong
        // mask, rotary or norm changes the output visibly; big presets: the usual 0.02.
        preset == TinyModelPreset.Tiny ? (0.1, 0.1) : (0.02, 0.02);

    public JsonObject Config(TinyModelPreset preset)
    {
        var s = Qwen3VlShape.For(preset);
        return new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3VLForConditionalGeneration"),
            ["image_token_id"] = 151655,
            ["model_type"] = "qwen3_vl",
            ["text_config"] = new JsonObject
            {
                ["attention_bias"] = false,
                ["attention_dropout"] = 0.0,
                ["bos_token_id"] = 151643,
                ["dtype"] = "bfloat16",
                ["eos_token_id"] = 151645,
                ["head_dim"] = s.HeadDim,
                ["hidden_act"] = "silu",
                ["hidden_size"] = s.Hidden,
                ["initializer_range"] = 0.02,
                ["intermediate_size"] = s.Intermediate,
                ["max_position_embeddings"] = 262144,
                ["model_type"] = "qwen3_vl_text",
                ["num_attention_heads"] = s.Heads,
                ["num_hidden_layers"] = s.Layers,
                ["num_key_value_heads"] = s.KvHeads,
                ["rms_norm_eps"] = 1e-6,
                ["rope_scaling"] = new JsonObject
                {
                    ["mrope_interleaved"] = true,
                    ["mrope_section"] = new JsonArray(s.MropeSection.Select(v => (JsonNode?)v).ToArray()),
                    ["rope_type"] = "default",
                },
                ["rope_theta"] = s.RopeTheta,
                ["tie_word_embeddings"] = s.Tied,
                ["use_cache"] = true,
                ["vocab_size"] = Qwen3VlShape.Vocab,
            },
            ["tie_word_embeddings"] = s.Tied,
            ["transformers_version"] = "4.57.0",
            ["video_token_id"] = 151656,
            ["vision_config"] = new JsonObject
            {
                ["deepstack_visual_indexes"] = new JsonArray(s.DeepstackIndexes.Select(v => (JsonNode?)v).ToArray()),
                ["depth"] = s.VisionDepth,
                ["hidden_act"] = "gelu_pytorch_tanh",
                ["hidden_size"] = s.VisionHidden,
                ["in_channels"] = 3,
                ["initializer_range"] = 0.02,
                ["intermediate_size"] = s.VisionIntermediate,
                ["model_type"] = "qwen3_vl",
                ["num_heads"] = s.VisionHeads,
                ["num_position_embeddings"] = Qwen3VlShape.PositionEmbeddings,
                ["out_hidden_size"] = s.OutHidden,
                ["patch_size"] = Qwen3VlShape.PatchSize,
                ["spatial_merge_size"] = Qwen3VlShape.MergeSize,
                ["temporal_patch_size"] = Qwen3VlShape.TemporalPatchSize,
            },
            ["vision_end_token_id"] = 151653,
            ["vision_start_token_id"] = 151652,
        };
    }

    public JsonObject PreprocessorConfig(TinyModelPreset preset) => new()
    {
        // Pixel counts, not edges: 65536 = 64·32², 16777216 = 16384·32² (Qwen3-VL's shipped values). The tiny
        // preset caps images at 200704 = 196·32² pixels (≤ 784 patches) so test images stay small.
        ["size"] = new JsonObject
        {
            ["longest_edge"] = preset == TinyModelPreset.Tiny ? 200704 : 16777216,
            ["shortest_edge"] = 65536,
        },
        ["patch_size"] = Qwen3VlShape.PatchSize,
        ["temporal_patch_size"] = Qwen3VlShape.TemporalPatchSize,
        ["merge_size"] = Qwen3VlShape.MergeSize,
        ["image_mean"] = new JsonArray(0.5, 0.5, 0.5),
        ["image_std"] = new JsonArray(0.5, 0.5, 0.5),
        ["processor_class"] = "Qwen3VLProcessor",
        ["image_processor_type"] = "Qwen2VLImageProcessorFast",
    };

    public JsonObject GenerationConfig(TinyModelPreset preset) => new()
    {
        // Qwen3-VL Instruct (QWEN_VL_FACTS.md §3).
        ["bos_token_id"] = 151643,
        ["pad_token_id"] = 151643,
        ["do_sample"] = true,
        ["eos_token_id"] = new JsonArray(151645, 151643),
        ["top_k"] = 20,
        ["top_p"] = 0.8,
        ["temperature"] = 0.7,
        ["transformers_version"] = "4.57.0",
    };

    public IReadOnlyList<TinyTensorSpec> Tensors(TinyModelPreset preset)
    {
        var s = Qwen3VlShape.For(preset);
        var list = new List<TinyTensorSpec>();
        void W(string name, params long[] shape) => list.Add(new TinyTensorSpec(name, shape, TinyInit.Weight));
        void N(string name, params long[] shape) => list.Add(new TinyTensorSpec(name, shape, TinyInit.NormScale));

        // Vision tower (Qwen3VLVisionModel).
        long e = s.VisionHidden, merged = e * Qwen3VlShape.MergeSize * Qwen3VlShape.MergeSize;
        W("model.visual.patch_embed.proj.weight", e, 3, Qwen3VlShape.TemporalPatchSize, Qwen3VlShape.PatchSize, Qwen3VlShape.PatchSize);
        W("model.visual.patch_embed.proj.bias", e);
        W("model.visual.pos_embed.weight", Qwen3VlShape.PositionEmbeddings, e);
        for (var i = 0; i < s.VisionDepth; i++)
        {
            var p = $"model.visual.blocks.{i}.";
            N(p + "norm1.weight", e);
            W(p + "norm1.bias", e);
            N(p + "norm2.weight", e);
            W(p + "norm2.bias", e);
            W(p + "attn.qkv.weight", 3 * e, e);
            W(p + "attn.qkv.bias", 3 * e);
            W(p + "attn.proj.weight", e, e);
            W(p + "attn.proj.bias", e);
            W(p + "mlp.linear_fc1.weight", s.VisionIntermediate, e);
            W(p + "mlp.linear_fc1.bias", s.VisionIntermediate);
            W(p + "mlp.linear_fc2.weight", e, s.VisionIntermediate);
            W(p + "mlp.linear_fc2.bias", e);
        }
        // Main merger: LayerNorm over E before the 2×2 concat; DeepStack mergers: LayerNorm over 4E after it.
        AddMerger(list, "model.visual.merger.", normWidth: e, merged, s.OutHidden);
        for (var j = 0; j < s.DeepstackIndexes.Length; j++)
            AddMerger(list, $"model.visual.deepstack_merger_list.{j}.", normWidth: merged, merged, s.OutHidden);

        // Language model (Qwen3VLTextModel).
        long h = s.Hidden, q = (long)s.Heads * s.HeadDim, kv = (long)s.KvHeads * s.HeadDim;
        W("model.language_model.embed_tokens.weight", Qwen3VlShape.Vocab, h);
        for (var i = 0; i < s.Layers; i++)
        {
            var p = $"model.language_model.layers.{i}.";
            N(p + "input_layernorm.weight", h);
            W(p + "self_attn.q_proj.weight", q, h);
            W(p + "self_attn.k_proj.weight", kv, h);
            W(p + "self_attn.v_proj.weight", kv, h);
            W(p + "self_attn.o_proj.weight", h, q);
            N(p + "self_attn.q_norm.weight", s.HeadDim);
            N(p + "self_attn.k_norm.weight", s.HeadDim);
            N(p + "post_attention_layernorm.weight", h);
            W(p + "mlp.gate_proj.weight", s.Intermediate, h);
            W(p + "mlp.up_proj.weight", s.Intermediate, h);
            W(p + "mlp.down_proj.weight", h, s.Intermediate);
        }
        N("model.language_model.norm.weight", h);
        if (!s.Tied) W("lm_head.weight", Qwen3VlShape.Vocab, h);
        return list;
    }

    private static void AddMerger(List<TinyTensorSpec> list, string prefix, long normWidth, long merged, long outHidden)
    {
        list.Add(new TinyTensorSpec(prefix + "norm.weight", [normWidth], TinyInit.NormScale));
        list.Add(new TinyTensorSpec(prefix + "norm.bias", [normWidth], TinyInit.Weight));
        list.Add(new TinyTensorSpec(prefix + "linear_fc1.weight", [merged, merged], TinyInit.Weight));
        list.Add(new TinyTensorSpec(prefix + "linear_fc1.bias", [merged], TinyInit.Weight));
        list.Add(new TinyTensorSpec(prefix + "linear_fc2.weight", [outHidden, merged], TinyInit.Weight));
        list.Add(new TinyTensorSpec(prefix + "linear_fc2.bias", [outHidden], TinyInit.Weight));
    }
}
