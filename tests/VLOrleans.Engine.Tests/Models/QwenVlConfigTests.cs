using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Tests.Models;

/// <summary>Configs written in both Hugging Face forms; expected values are the facts doc's table (§2.1).</summary>
public sealed class QwenVlConfigTests
{
    // Qwen3-VL-4B in the new nested form with rope_scaling (transformers 4.57).
    private const string Qwen3Vl4B = """
    {"architectures":["Qwen3VLForConditionalGeneration"],"model_type":"qwen3_vl","image_token_id":151655,"video_token_id":151656,
     "vision_start_token_id":151652,"vision_end_token_id":151653,"tie_word_embeddings":true,
     "text_config":{"model_type":"qwen3_vl_text","hidden_size":2560,"intermediate_size":9728,"num_hidden_layers":36,
       "num_attention_heads":32,"num_key_value_heads":8,"head_dim":128,"rms_norm_eps":1e-6,"rope_theta":5000000,
       "rope_scaling":{"mrope_interleaved":true,"mrope_section":[24,20,20],"rope_type":"default"},"vocab_size":151936,
       "max_position_embeddings":262144,"hidden_act":"silu","attention_bias":false},
     "vision_config":{"depth":24,"hidden_size":1024,"intermediate_size":4096,"num_heads":16,"patch_size":16,"temporal_patch_size":2,
       "spatial_merge_size":2,"out_hidden_size":2560,"num_position_embeddings":2304,"deepstack_visual_indexes":[5,11,17],
       "hidden_act":"gelu_pytorch_tanh","in_channels":3}}
    """;

    // Qwen2-VL-2B in the old flat form: text fields at the top, rope_scaling type mrope, vision `embed_dim`.
    private const string Qwen2Vl2B = """
    {"architectures":["Qwen2VLForConditionalGeneration"],"model_type":"qwen2_vl","hidden_size":1536,"intermediate_size":8960,
     "num_hidden_layers":28,"num_attention_heads":12,"num_key_value_heads":2,"rms_norm_eps":1e-6,"rope_theta":1000000.0,
     "rope_scaling":{"type":"mrope","mrope_section":[16,24,24]},"vocab_size":151936,"max_position_embeddings":32768,
     "tie_word_embeddings":true,"vision_start_token_id":151652,"vision_end_token_id":151653,"image_token_id":151655,
     "vision_config":{"depth":32,"embed_dim":1280,"mlp_ratio":4,"num_heads":16,"in_chans":3,"hidden_size":1536,"patch_size":14,
       "spatial_merge_size":2,"spatial_patch_size":14,"temporal_patch_size":2}}
    """;

    // Qwen3-VL-8B in the newest form: rope_parameters carries theta and section; untied head.
    private const string Qwen3Vl8BNew = """
    {"model_type":"qwen3_vl","tie_word_embeddings":false,
     "text_config":{"hidden_size":4096,"intermediate_size":12288,"num_hidden_layers":36,"num_attention_heads":32,"num_key_value_heads":8,
       "head_dim":128,"vocab_size":151936,"rope_parameters":{"rope_theta":5000000,"mrope_section":[24,20,20],"mrope_interleaved":true}},
     "vision_config":{"depth":27,"hidden_size":1152,"intermediate_size":4304,"num_heads":16,"patch_size":16,"out_hidden_size":4096,
       "deepstack_visual_indexes":[8,16,24]}}
    """;

    [Fact]
    public void Qwen3_vl_4b_nested_form()
    {
        var c = QwenVlConfig.Parse(Qwen3Vl4B);
        Assert.Equal(QwenVlFamily.Qwen3Vl, c.Family);
        Assert.Equal((2560, 9728, 36, 32, 8, 128), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.LayerCount, c.Text.AttentionHeadCount, c.Text.KeyValueHeadCount, c.Text.HeadDim));
        Assert.Equal(5_000_000, c.Text.RopeTheta);
        Assert.Equal([24, 20, 20], c.Text.MropeSection);
        Assert.True(c.Text.MropeInterleaved);
        Assert.False(c.Text.AttentionBias);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal((24, 1024, 4096, 16, 16), (c.Vision.Depth, c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.HeadCount, c.Vision.PatchSize));
        Assert.Equal(64, c.Vision.HeadDim);
        Assert.Equal(1536, c.Vision.PatchRowLength);
        Assert.Equal(2560, c.Vision.OutHiddenSize);
        Assert.Equal(2304, c.Vision.PositionEmbeddingCount);
        Assert.Equal([5, 11, 17], c.Vision.DeepstackVisualIndexes);
        Assert.Equal("gelu_pytorch_tanh", c.Vision.HiddenAct);
    }

    [Fact]
    public void Qwen2_vl_2b_flat_form()
    {
        var c = QwenVlConfig.Parse(Qwen2Vl2B);
        Assert.Equal(QwenVlFamily.Qwen2Vl, c.Family);
        Assert.Equal((1536, 12, 2, 128), (c.Text.HiddenSize, c.Text.AttentionHeadCount, c.Text.KeyValueHeadCount, c.Text.HeadDim));
        Assert.Equal([16, 24, 24], c.Text.MropeSection);
        Assert.False(c.Text.MropeInterleaved);
        Assert.True(c.Text.AttentionBias);
        Assert.Equal(1_000_000, c.Text.RopeTheta);
        // embed_dim is the ViT width; vision hidden_size is the merger's output.
        Assert.Equal((1280, 5120, 1536, 80), (c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.OutHiddenSize, c.Vision.HeadDim));
        Assert.Equal(1176, c.Vision.PatchRowLength);
        Assert.Equal("quick_gelu", c.Vision.HiddenAct);
        Assert.Empty(c.Vision.DeepstackVisualIndexes);
    }

    [Fact]
    public void Qwen3_vl_8b_rope_parameters_form_and_untied_head()
    {
        var c = QwenVlConfig.Parse(Qwen3Vl8BNew);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(5_000_000, c.Text.RopeTheta);
        Assert.Equal([8, 16, 24], c.Vision.DeepstackVisualIndexes);
        Assert.Equal(72, c.Vision.HeadDim);
    }

    [Theory]
    [InlineData("""{"model_type":"llava"}""", "not a supported Qwen-VL family")]
    [InlineData("""{"model_type":"qwen3_vl","text_config":{"hidden_size":8}}""", "vision_config")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"model_type": """, "not valid JSON")]
    public void Bad_configs_say_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<ModelLoadException>(() => QwenVlConfig.Parse(json));
        Assert.Contains(expected, e.Message);
    }
}
