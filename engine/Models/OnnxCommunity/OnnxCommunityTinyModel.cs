using System.Text.Json;
using System.Text.Json.Nodes;
using VLOrleans.Engine.Models.TinyModels;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// Writes a tiny random model in the onnx-community / transformers.js layout: <c>onnx/vision_encoder.onnx</c>,
/// <c>onnx/embed_tokens.onnx</c>, <c>onnx/decoder_model_merged.onnx</c> (fp32, the dtype with no suffix) with the
/// published exports' I/O names, shapes and dtypes, plus <c>config.json</c> (in the family's own form: Qwen2-VL's flat
/// fields, Qwen2.5-VL's and Qwen3-VL's nested <c>text_config</c> — transformers.js reads the KV layer count from
/// <c>text_config</c> for those two), <c>preprocessor_config.json</c>, <c>generation_config.json</c> and the real Qwen
/// tokenizer. The same folder loads in transformers.js 4.3.1 (Node) and in our engine, which is what the agreement
/// tests need. About 40 MB, two thirds of it the 151936-row embedding table and LM head.
/// </summary>
public static class OnnxCommunityTinyModel
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the model into <paramref name="folder"/> (created if needed). Same seed, same bytes.</summary>
    /// <param name="tokenizerFolder">Holds tokenizer.json and tokenizer_config.json (see <see cref="TinyModelTokenizer.Locate"/>).</param>
    /// <param name="seed">Null: one seed per family, so the families' decoders differ (Qwen2-VL and Qwen2.5-VL share
    /// the decoder architecture and would otherwise share its weights).</param>
    public static void Write(string folder, QwenVlFamily family, string tokenizerFolder, ulong? seed = null)
    {
        var weightsSeed = seed ?? 1 + (ulong)family;
        var shape = new OnnxCommunityTinyShape(family);
        var onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        WriteGraph(OnnxCommunityLayout.FilePath(folder, OnnxCommunityLayout.VisionSession, "fp32"), b => TinyVisionEncoderGraph.Write(b, shape, weightsSeed));
        WriteGraph(OnnxCommunityLayout.FilePath(folder, OnnxCommunityLayout.EmbedSession, "fp32"), b => TinyEmbedTokensGraph.Write(b, shape, weightsSeed));
        WriteGraph(OnnxCommunityLayout.FilePath(folder, OnnxCommunityLayout.DecoderSession, "fp32"), b => TinyDecoderMergedGraph.Write(b, shape, weightsSeed));
        WriteJson(Path.Combine(folder, "config.json"), Config(shape));
        WriteJson(Path.Combine(folder, "preprocessor_config.json"), Preprocessor(shape));
        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["bos_token_id"] = 151643,
            ["pad_token_id"] = 151643,
            ["eos_token_id"] = new JsonArray(151645, 151643),
            ["do_sample"] = false,
        });
        TinyModelTokenizer.CopyInto(tokenizerFolder, folder);
    }

    private static void WriteGraph(string path, Action<OnnxModelBuilder> write)
    {
        using var builder = OnnxModelBuilder.InMemory();
        write(builder);
        File.WriteAllBytes(path, builder.ToBytes());
    }

    private static void WriteJson(string path, JsonObject json) => File.WriteAllText(path, json.ToJsonString(Indented));

    private static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    private static JsonObject Config(OnnxCommunityTinyShape s)
    {
        var text = new JsonObject
        {
            ["hidden_size"] = s.Hidden,
            ["intermediate_size"] = s.Intermediate,
            ["num_hidden_layers"] = s.Layers,
            ["num_attention_heads"] = s.Heads,
            ["num_key_value_heads"] = s.KvHeads,
            ["head_dim"] = s.HeadDim,
            ["vocab_size"] = OnnxCommunityTinyShape.Vocab,
            ["rms_norm_eps"] = s.RmsNormEps,
            ["rope_theta"] = s.RopeTheta,
            ["rope_scaling"] = new JsonObject
            {
                ["type"] = "mrope",
                ["rope_type"] = "default",
                ["mrope_section"] = Ints(s.MropeSection),
                ["mrope_interleaved"] = s.Family == QwenVlFamily.Qwen3Vl,
            },
            ["max_position_embeddings"] = 32768,
            ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = false,
            ["bos_token_id"] = 151643,
            ["eos_token_id"] = 151645,
        };
        var ids = new JsonObject
        {
            ["image_token_id"] = 151655,
            ["video_token_id"] = 151656,
            ["vision_start_token_id"] = 151652,
            ["vision_end_token_id"] = 151653,
            ["tie_word_embeddings"] = false,
        };
        var vision = new JsonObject
        {
            ["depth"] = s.VisionDepth,
            ["num_heads"] = s.VisionHeads,
            ["patch_size"] = s.PatchSize,
            ["temporal_patch_size"] = s.TemporalPatchSize,
            ["spatial_merge_size"] = s.MergeSize,
            ["in_channels"] = 3,
        };
        JsonObject root;
        switch (s.Family)
        {
            case QwenVlFamily.Qwen2Vl:
                // Qwen2-VL's own form: text fields at the top; vision embed_dim = ViT width, hidden_size = merger output.
                root = new JsonObject { ["architectures"] = new JsonArray("Qwen2VLForConditionalGeneration"), ["model_type"] = "qwen2_vl" };
                foreach (var (key, value) in text) root[key] = value?.DeepClone();
                vision["embed_dim"] = s.VisionHidden;
                vision["hidden_size"] = s.Hidden;
                vision["mlp_ratio"] = s.VisionIntermediate / s.VisionHidden;
                vision["hidden_act"] = "quick_gelu";
                vision["in_chans"] = 3;
                break;
            case QwenVlFamily.Qwen25Vl:
                root = new JsonObject { ["architectures"] = new JsonArray("Qwen2_5_VLForConditionalGeneration"), ["model_type"] = "qwen2_5_vl" };
                text["model_type"] = "qwen2_5_vl_text";
                root["text_config"] = text;
                vision["hidden_size"] = s.VisionHidden;
                vision["intermediate_size"] = s.VisionIntermediate;
                vision["out_hidden_size"] = s.Hidden;
                vision["hidden_act"] = "silu";
                vision["window_size"] = 112;
                vision["fullatt_block_indexes"] = Ints([s.VisionDepth - 1]);
                vision["tokens_per_second"] = 2;
                break;
            default:
                root = new JsonObject { ["architectures"] = new JsonArray("Qwen3VLForConditionalGeneration"), ["model_type"] = "qwen3_vl" };
                text["model_type"] = "qwen3_vl_text";
                text["attention_bias"] = false;
                root["text_config"] = text;
                vision["hidden_size"] = s.VisionHidden;
                vision["intermediate_size"] = s.VisionIntermediate;
                vision["out_hidden_size"] = s.Hidden;
                vision["hidden_act"] = "gelu_pytorch_tanh";
                // No learned position table and no DeepStack in this export (see TinyVisionEncoderGraph).
                vision["num_position_embeddings"] = 0;
                vision["deepstack_visual_indexes"] = new JsonArray();
                break;
        }
        foreach (var (key, value) in ids) root[key] = value?.DeepClone();
        root["vision_config"] = vision;
        return root;
    }

    /// <summary>HF's preprocessor_config.json fields, with resample and normalisation stated explicitly: transformers.js
    /// defaults a missing <c>resample</c> to bilinear and a missing <c>do_normalize</c> to off. The minimum pixel count
    /// is lowered so the tests' small images keep their size (a resize would compare two resamplers, not two runtimes).</summary>
    private static JsonObject Preprocessor(OnnxCommunityTinyShape s)
    {
        var qwen3 = s.Family == QwenVlFamily.Qwen3Vl;
        float[] mean = qwen3 ? [0.5f, 0.5f, 0.5f] : [0.48145466f, 0.4578275f, 0.40821073f];
        float[] std = qwen3 ? [0.5f, 0.5f, 0.5f] : [0.26862954f, 0.26130258f, 0.27577711f];
        var factor = s.PatchSize * s.MergeSize;
        return new JsonObject
        {
            ["do_convert_rgb"] = true,
            ["do_normalize"] = true,
            ["do_rescale"] = true,
            ["do_resize"] = true,
            ["resample"] = 3,
            ["rescale_factor"] = 1.0 / 255,
            ["image_mean"] = new JsonArray(mean.Select(v => (JsonNode?)(double)v).ToArray()),
            ["image_std"] = new JsonArray(std.Select(v => (JsonNode?)(double)v).ToArray()),
            ["min_pixels"] = factor * factor,
            ["max_pixels"] = 16384 * factor * factor,
            ["patch_size"] = s.PatchSize,
            ["temporal_patch_size"] = s.TemporalPatchSize,
            ["merge_size"] = s.MergeSize,
            ["image_processor_type"] = "Qwen2VLImageProcessor",
            ["processor_class"] = qwen3 ? "Qwen3VLProcessor" : s.Family == QwenVlFamily.Qwen25Vl ? "Qwen2_5_VLProcessor" : "Qwen2VLProcessor",
        };
    }
}
