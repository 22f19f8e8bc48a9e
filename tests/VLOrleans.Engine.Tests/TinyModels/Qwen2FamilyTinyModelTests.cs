using System.Text.Json.Nodes;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Models.TinyModels;

namespace VLOrleans.Engine.Tests.TinyModels;

/// <summary>
/// The generated Qwen2-VL / Qwen2.5-VL checkpoints against the Hugging Face layouts (tensor names and shapes as
/// transformers' modeling_qwen2_vl.py / modeling_qwen2_5_vl.py declare them, written out here by hand) and the
/// families' config/preprocessor facts (QWEN_VL_FACTS.md §2.1, §2.7, §3).
/// </summary>
public sealed class Qwen2FamilyTinyModelTests
{
    [Theory]
    [InlineData("qwen2_vl")]
    [InlineData("qwen2_5_vl")]
    public void Tiny_checkpoint_has_the_hugging_face_tensor_names_and_shapes(string familyName)
    {
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        var qwen25 = family == QwenVlFamily.Qwen25Vl;
        using var checkpoint = SafetensorsCheckpoint.Open(Qwen2FamilyTinyFiles.Folder(family));
        // E=32, I_v=64, 4 blocks, P=14, merger 128 → 64; text H=64, 4 heads × 16, 2 kv heads, I=128, 3 layers; tied.
        var expected = new Dictionary<string, long[]>
        {
            ["model.visual.patch_embed.proj.weight"] = [32, 3, 2, 14, 14],
            ["model.visual.merger.ln_q.weight"] = [32],
            ["model.visual.merger.mlp.0.weight"] = [128, 128],
            ["model.visual.merger.mlp.0.bias"] = [128],
            ["model.visual.merger.mlp.2.weight"] = [64, 128],
            ["model.visual.merger.mlp.2.bias"] = [64],
            ["model.language_model.embed_tokens.weight"] = [151936, 64],
            ["model.language_model.norm.weight"] = [64],
        };
        if (!qwen25) expected["model.visual.merger.ln_q.bias"] = [32];
        for (var i = 0; i < 4; i++)
        {
            var p = $"model.visual.blocks.{i}.";
            expected[p + "norm1.weight"] = [32];
            expected[p + "norm2.weight"] = [32];
            expected[p + "attn.qkv.weight"] = [96, 32];
            expected[p + "attn.qkv.bias"] = [96];
            expected[p + "attn.proj.weight"] = [32, 32];
            expected[p + "attn.proj.bias"] = [32];
            if (qwen25)
            {
                expected[p + "mlp.gate_proj.weight"] = [64, 32];
                expected[p + "mlp.gate_proj.bias"] = [64];
                expected[p + "mlp.up_proj.weight"] = [64, 32];
                expected[p + "mlp.up_proj.bias"] = [64];
                expected[p + "mlp.down_proj.weight"] = [32, 64];
                expected[p + "mlp.down_proj.bias"] = [32];
            }
            else
            {
                expected[p + "norm1.bias"] = [32];
                expected[p + "norm2.bias"] = [32];
                expected[p + "mlp.fc1.weight"] = [64, 32];
                expected[p + "mlp.fc1.bias"] = [64];
                expected[p + "mlp.fc2.weight"] = [32, 64];
                expected[p + "mlp.fc2.bias"] = [32];
            }
        }
        for (var i = 0; i < 3; i++)
        {
            var p = $"model.language_model.layers.{i}.";
            expected[p + "input_layernorm.weight"] = [64];
            expected[p + "post_attention_layernorm.weight"] = [64];
            expected[p + "self_attn.q_proj.weight"] = [64, 64];
            expected[p + "self_attn.q_proj.bias"] = [64];
            expected[p + "self_attn.k_proj.weight"] = [32, 64];
            expected[p + "self_attn.k_proj.bias"] = [32];
            expected[p + "self_attn.v_proj.weight"] = [32, 64];
            expected[p + "self_attn.v_proj.bias"] = [32];
            expected[p + "self_attn.o_proj.weight"] = [64, 64];
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
    }

    [Theory]
    [InlineData("qwen2_vl")]
    [InlineData("qwen2_5_vl")]
    public void Tiny_config_parses_to_the_family_values(string familyName)
    {
        var family = Qwen2FamilyTinyFiles.Parse(familyName);
        var folder = Qwen2FamilyTinyFiles.Folder(family);
        var c = QwenVlConfig.Load(folder);
        Assert.Equal(family, c.Family);
        Assert.Equal((64, 128, 3, 4, 2, 16), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.LayerCount,
            c.Text.AttentionHeadCount, c.Text.KeyValueHeadCount, c.Text.HeadDim));
        Assert.Equal([2, 3, 3], c.Text.MropeSection);
        Assert.False(c.Text.MropeInterleaved);
        Assert.True(c.Text.AttentionBias);
        Assert.True(c.TieWordEmbeddings);
        // Qwen2-VL names the ViT width embed_dim and the merger output hidden_size; both parse to the same shape.
        Assert.Equal((4, 32, 64, 2, 14, 64), (c.Vision.Depth, c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.HeadCount, c.Vision.PatchSize, c.Vision.OutHiddenSize));
        Assert.Equal(0, c.Vision.PositionEmbeddingCount);
        Assert.Empty(c.Vision.DeepstackVisualIndexes);
        if (family == QwenVlFamily.Qwen25Vl)
        {
            Assert.Equal(112, c.Vision.WindowSize);
            Assert.Equal([1, 3], c.Vision.FullAttentionBlockIndexes);
            Assert.Equal(2, c.Vision.TokensPerSecond);
            Assert.Equal("silu", c.Vision.HiddenAct);
        }
        else
        {
            Assert.Equal(0, c.Vision.WindowSize);
            Assert.Equal("quick_gelu", c.Vision.HiddenAct);
        }

        var pre = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "preprocessor_config.json")))!;
        Assert.Equal((3136, 153664), ((int)pre["min_pixels"]!, (int)pre["max_pixels"]!));
        Assert.Equal((14, 2, 2), ((int)pre["patch_size"]!, (int)pre["temporal_patch_size"]!, (int)pre["merge_size"]!));
        Assert.Equal(0.48145466, (double)pre["image_mean"]![0]!);
        Assert.Equal(0.27577711, (double)pre["image_std"]![2]!);
    }

    [Theory]
    [InlineData(QwenVlFamily.Qwen2Vl, TinyModelPreset.TwoB)]
    [InlineData(QwenVlFamily.Qwen25Vl, TinyModelPreset.FourB)]
    public void Only_the_tiny_preset_exists_for_qwen2_families(QwenVlFamily family, TinyModelPreset preset)
    {
        var folder = Directory.CreateTempSubdirectory("vlo-tmm2-").FullName;
        try
        {
            var e = Assert.Throws<TinyModelException>(() => TinyModelMaker.Write(family, preset, folder));
            Assert.Equal(TinyModelException.UnknownPreset, e.Reason);
            Assert.Contains("tiny", e.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
