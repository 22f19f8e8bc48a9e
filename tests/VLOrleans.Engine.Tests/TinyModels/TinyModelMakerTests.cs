using System.Text.Json.Nodes;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Models.TinyModels;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.TinyModels;

/// <summary>
/// The generated checkpoint against the Hugging Face Qwen3-VL layout (tensor names/shapes as
/// transformers' modeling_qwen3_vl.py declares them, written out here by hand) and the facts doc's shapes (§2.1).
/// </summary>
public sealed class TinyModelMakerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vlo-tmm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Tiny_checkpoint_has_the_hugging_face_tensor_names_and_shapes()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(TinyModelFiles.Qwen3VlTiny);
        // E=32, I_v=64, 4 blocks, P=16, out=64; text H=64, 4 heads × 16, 2 kv heads, I=128, 3 layers; tied.
        var expected = new Dictionary<string, long[]>
        {
            ["model.visual.patch_embed.proj.weight"] = [32, 3, 2, 16, 16],
            ["model.visual.patch_embed.proj.bias"] = [32],
            ["model.visual.pos_embed.weight"] = [2304, 32],
            ["model.visual.merger.norm.weight"] = [32],
            ["model.visual.merger.norm.bias"] = [32],
            ["model.visual.merger.linear_fc1.weight"] = [128, 128],
            ["model.visual.merger.linear_fc1.bias"] = [128],
            ["model.visual.merger.linear_fc2.weight"] = [64, 128],
            ["model.visual.merger.linear_fc2.bias"] = [64],
            ["model.language_model.embed_tokens.weight"] = [151936, 64],
            ["model.language_model.norm.weight"] = [64],
        };
        for (var i = 0; i < 4; i++)
        {
            var p = $"model.visual.blocks.{i}.";
            foreach (var n in new[] { "norm1", "norm2" })
            {
                expected[p + n + ".weight"] = [32];
                expected[p + n + ".bias"] = [32];
            }
            expected[p + "attn.qkv.weight"] = [96, 32];
            expected[p + "attn.qkv.bias"] = [96];
            expected[p + "attn.proj.weight"] = [32, 32];
            expected[p + "attn.proj.bias"] = [32];
            expected[p + "mlp.linear_fc1.weight"] = [64, 32];
            expected[p + "mlp.linear_fc1.bias"] = [64];
            expected[p + "mlp.linear_fc2.weight"] = [32, 64];
            expected[p + "mlp.linear_fc2.bias"] = [32];
        }
        for (var j = 0; j < 3; j++)
        {
            var p = $"model.visual.deepstack_merger_list.{j}.";
            expected[p + "norm.weight"] = [128];
            expected[p + "norm.bias"] = [128];
            expected[p + "linear_fc1.weight"] = [128, 128];
            expected[p + "linear_fc1.bias"] = [128];
            expected[p + "linear_fc2.weight"] = [64, 128];
            expected[p + "linear_fc2.bias"] = [64];
        }
        for (var i = 0; i < 3; i++)
        {
            var p = $"model.language_model.layers.{i}.";
            expected[p + "input_layernorm.weight"] = [64];
            expected[p + "post_attention_layernorm.weight"] = [64];
            expected[p + "self_attn.q_proj.weight"] = [64, 64];
            expected[p + "self_attn.k_proj.weight"] = [32, 64];
            expected[p + "self_attn.v_proj.weight"] = [32, 64];
            expected[p + "self_attn.o_proj.weight"] = [64, 64];
            expected[p + "self_attn.q_norm.weight"] = [16];
            expected[p + "self_attn.k_norm.weight"] = [16];
            expected[p + "mlp.gate_proj.weight"] = [128, 64];
            expected[p + "mlp.up_proj.weight"] = [128, 64];
            expected[p + "mlp.down_proj.weight"] = [64, 128];
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), checkpoint.TensorNames.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
        {
            var info = checkpoint.GetInfo(name);
            Assert.Equal(SafetensorsDType.BF16, info.DType);
            Assert.True(shape.SequenceEqual(info.Shape), $"{name}: [{string.Join(",", info.Shape)}], expected [{string.Join(",", shape)}]");
        }
        Assert.False(checkpoint.Contains("lm_head.weight")); // tied
    }

    [Fact]
    public void Tiny_config_parses_to_the_preset_and_json_files_carry_the_qwen3_vl_values()
    {
        var c = QwenVlConfig.Load(TinyModelFiles.Qwen3VlTiny);
        Assert.Equal(QwenVlFamily.Qwen3Vl, c.Family);
        Assert.Equal((64, 128, 3, 4, 2, 16, 151936), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.LayerCount,
            c.Text.AttentionHeadCount, c.Text.KeyValueHeadCount, c.Text.HeadDim, c.Text.VocabSize));
        Assert.Equal([4, 2, 2], c.Text.MropeSection);
        Assert.Equal(10_000, c.Text.RopeTheta);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal((4, 32, 64, 2, 16, 64), (c.Vision.Depth, c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.HeadCount, c.Vision.PatchSize, c.Vision.OutHiddenSize));
        Assert.Equal([1, 2, 3], c.Vision.DeepstackVisualIndexes);
        Assert.Equal(2304, c.Vision.PositionEmbeddingCount);

        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyModelFiles.Qwen3VlTiny, "config.json")))!;
        Assert.Equal("qwen3_vl", (string?)root["model_type"]);
        Assert.True((bool)root["text_config"]!["rope_scaling"]!["mrope_interleaved"]!);
        Assert.Equal("default", (string?)root["text_config"]!["rope_scaling"]!["rope_type"]);

        var pre = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyModelFiles.Qwen3VlTiny, "preprocessor_config.json")))!;
        Assert.Equal(65536, (int)pre["size"]!["shortest_edge"]!);
        Assert.Equal(200704, (int)pre["size"]!["longest_edge"]!);
        Assert.Equal((16, 2, 2), ((int)pre["patch_size"]!, (int)pre["temporal_patch_size"]!, (int)pre["merge_size"]!));
        Assert.Equal(0.5, (double)pre["image_mean"]![1]!);

        var gen = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyModelFiles.Qwen3VlTiny, "generation_config.json")))!;
        Assert.Equal([151645, 151643], gen["eos_token_id"]!.AsArray().Select(n => (int)n!));
        Assert.Equal((20, 0.8, 0.7), ((int)gen["top_k"]!, (double)gen["top_p"]!, (double)gen["temperature"]!));

        // The real tokenizer, byte for byte.
        Assert.Equal(File.ReadAllBytes(RepoPaths.QwenTokenizerJson), File.ReadAllBytes(Path.Combine(TinyModelFiles.Qwen3VlTiny, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(TinyModelFiles.Qwen3VlTiny, "tokenizer_config.json")));
    }

    [Fact]
    public void Same_seed_gives_identical_bytes_and_another_seed_different_weights()
    {
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(_dir, "a"), seed: 7);
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(_dir, "b"), seed: 7);
        TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(_dir, "c"), seed: 8);
        var a = File.ReadAllBytes(Path.Combine(_dir, "a", "model.safetensors"));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(_dir, "b", "model.safetensors")));
        Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(_dir, "c", "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a", "config.json")), File.ReadAllText(Path.Combine(_dir, "c", "config.json")));
    }

    [Fact]
    public void Weights_have_the_intended_statistics()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(TinyModelFiles.Qwen3VlTiny);
        // Tiny: weights ~ N(0, 0.1²); norm scales ~ 1 + N(0, 0.1²), so no two entries of a norm weight are equal.
        var embed = checkpoint.ReadSingle("model.language_model.embed_tokens.weight");
        var (mean, std) = MeanStd(embed);
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.099, 0.101);
        var norm = checkpoint.ReadSingle("model.visual.deepstack_merger_list.0.norm.weight").Concat(
            checkpoint.ReadSingle("model.language_model.layers.0.input_layernorm.weight")).ToArray();
        (mean, std) = MeanStd(norm);
        Assert.InRange(mean, 0.97, 1.03);
        Assert.InRange(std, 0.07, 0.13);
    }

    [Fact]
    public void Big_presets_have_the_real_qwen3_vl_shapes()
    {
        var spec = TinyModelMaker.SpecFor(QwenVlFamily.Qwen3Vl);
        var two = QwenVlConfig.Parse(spec.Config(TinyModelPreset.TwoB).ToJsonString());
        Assert.Equal((2048, 6144, 28, 16, 8, 128), (two.Text.HiddenSize, two.Text.IntermediateSize, two.Text.LayerCount, two.Text.AttentionHeadCount, two.Text.KeyValueHeadCount, two.Text.HeadDim));
        Assert.Equal((24, 1024, 4096, 16, 2048), (two.Vision.Depth, two.Vision.HiddenSize, two.Vision.IntermediateSize, two.Vision.HeadCount, two.Vision.OutHiddenSize));
        Assert.Equal([5, 11, 17], two.Vision.DeepstackVisualIndexes);
        Assert.Equal([24, 20, 20], two.Text.MropeSection);
        Assert.Equal(5_000_000, two.Text.RopeTheta);
        Assert.True(two.TieWordEmbeddings);
        var four = QwenVlConfig.Parse(spec.Config(TinyModelPreset.FourB).ToJsonString());
        Assert.Equal((2560, 9728, 36, 32, 8, 2560), (four.Text.HiddenSize, four.Text.IntermediateSize, four.Text.LayerCount, four.Text.AttentionHeadCount, four.Text.KeyValueHeadCount, four.Vision.OutHiddenSize));

        // Parameter count by hand for 2b: embed 151936·2048; per layer q,o 2048², k,v 1024·2048, MLP 3·6144·2048, 4 norms
        // (2048,2048,128,128); final norm. Vision: patch 1024·1536+1024, pos 2304·1024, per block 2 LayerNorms (4·1024),
        // qkv 3072·1024+3072, proj 1024²+1024, MLP 4096·1024+4096+1024·4096+1024; 4 mergers of 4096²+4096 + 2048·4096+2048
        // plus norms (main 2·1024, deepstack 3·2·4096).
        long text = 151936L * 2048 + 28L * (2 * 2048L * 2048 + 2 * 1024L * 2048 + 3L * 6144 * 2048 + 2 * 2048 + 2 * 128) + 2048;
        long block = 4 * 1024 + 3072L * 1024 + 3072 + 1024L * 1024 + 1024 + 4096L * 1024 + 4096 + 1024L * 4096 + 1024;
        long vision = 1024L * 1536 + 1024 + 2304L * 1024 + 24 * block + 4 * (4096L * 4096 + 4096 + 2048L * 4096 + 2048) + 2 * 1024 + 3 * 2 * 4096;
        Assert.Equal(text + vision, spec.Tensors(TinyModelPreset.TwoB).Sum(t => t.ElementCount));
    }

    [Fact]
    public void Missing_tokenizer_is_a_typed_error()
    {
        var e = Assert.Throws<TinyModelException>(() =>
            TinyModelMaker.Write(QwenVlFamily.Qwen3Vl, TinyModelPreset.Tiny, Path.Combine(_dir, "x"), tokenizerFolder: _dir));
        Assert.Equal(TinyModelException.TokenizerMissing, e.Reason);
        Assert.Equal(TinyModelException.UnknownPreset, Assert.Throws<TinyModelException>(() => TinyModelPresets.Parse("7b")).Reason);
        Assert.Equal(TinyModelException.UnsupportedFamily, Assert.Throws<TinyModelException>(() => TinyModelMaker.SpecFor((QwenVlFamily)99)).Reason);
    }

    private static (double Mean, double Std) MeanStd(float[] values)
    {
        var mean = values.Average(v => (double)v);
        return (mean, Math.Sqrt(values.Average(v => (v - mean) * (v - mean))));
    }
}
