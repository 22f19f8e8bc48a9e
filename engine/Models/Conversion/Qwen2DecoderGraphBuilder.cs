using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL text decoder (a Qwen2 decoder, transformers <c>Qwen2VLTextModel</c>/<c>Qwen2_5_VLTextModel</c>)
/// as one graph with the same I/O and KV layout as the Qwen3-VL one (KV_CACHE.md) minus <c>per_layer_inputs</c>:
/// <c>inputs_embeds</c> [B,S,H] → per layer: RMSNorm → q/k/v (with bias) → chunked M-RoPE (<c>mrope_section</c> [16,24,24]
/// for head_dim 128: T, H, W planes on contiguous frequency ranges; cos/sin from <c>position_ids</c> [3,B,S] in-graph) →
/// <c>com.microsoft.GroupQueryAttention</c> → o_proj (no bias) → residual → RMSNorm → SwiGLU → residual → last position of
/// each row → final RMSNorm → LM head → <c>logits</c> [B,1,V]. No q/k norm, no DeepStack.
/// </summary>
internal sealed class Qwen2DecoderGraphBuilder
{
    private const string P = "model.language_model.";

    private readonly QwenVlConfig _config;
    private readonly CheckpointTensors _tensors;
    private readonly LinearLayerWriter _linear;
    private readonly ConversionOptions _options;

    public Qwen2DecoderGraphBuilder(QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear, ConversionOptions options)
    {
        if (config.Text.MropeInterleaved) throw new ModelLoadException("a Qwen2/2.5-VL decoder uses chunked M-RoPE; the config says interleaved");
        _config = config;
        _tensors = tensors;
        _linear = linear;
        _options = options;
    }

    public void Build(OnnxModelBuilder builder)
    {
        var t = _config.Text;
        var g = new GraphWriter(builder);
        long h = t.HiddenSize, hd = t.HeadDim, heads = t.AttentionHeadCount, kvHeads = t.KeyValueHeadCount;
        builder.AddInput(GraphNames.InputsEmbeds, OnnxElementType.Float, "batch_size", "sequence_length", h);
        builder.AddInput(GraphNames.PositionIds, OnnxElementType.Int64, 3, "batch_size", "sequence_length");
        builder.AddInput(GraphNames.AttentionMask, OnnxElementType.Int64, "batch_size", "total_sequence_length");
        for (var i = 0; i < t.LayerCount; i++)
        {
            builder.AddInput(GraphNames.PastKey(i), OnnxElementType.Float, "batch_size", kvHeads, "max_sequence_length", hd);
            builder.AddInput(GraphNames.PastValue(i), OnnxElementType.Float, "batch_size", kvHeads, "max_sequence_length", hd);
        }

        // GQA's per-row lengths: seqlens_k[b] = Σ mask[b] − 1 (index of the row's last valid position), total = mask width.
        g.Scope = "attention_lengths";
        var rowTotals = g.Op("ReduceSum", [GraphNames.AttentionMask, builder.AddInt64s(1)], [OnnxAttribute.Int("keepdims", 0)]);
        var seqlensK = g.Cast(g.Sub(rowTotals, builder.AddScalar(1L)), OnnxElementType.Int32);
        var maskShape = g.Op("Shape", [GraphNames.AttentionMask]);
        var totalLength = g.Cast(g.Op("Gather", [maskShape, builder.AddScalar(1L)], [OnnxAttribute.Int("axis", 0)]), OnnxElementType.Int32);

        // Chunked M-RoPE: angle[b,s,c] = Σ_p pos[p,b,s] · F[p,c], F[p,c] = inv_freq[c mod hd/2] where column c takes plane p
        // (the same plane-frequency table as Qwen3, built for contiguous sections) — one MatMul [B,S,3]×[3,hd].
        g.Scope = "rope";
        var positions = g.Transpose(g.Cast(GraphNames.PositionIds, OnnxElementType.Float), 1, 2, 0);
        var angles = g.MatMul(positions, g.Floats("rope.plane_frequencies", Qwen3DecoderGraphBuilder.PlaneFrequencies(t), 3, hd));
        var cos = g.Unsqueeze(g.Op("Cos", [angles]), 2);
        var sin = g.Unsqueeze(g.Op("Sin", [angles]), 2);

        var x = GraphNames.InputsEmbeds;
        for (var i = 0; i < t.LayerCount; i++)
        {
            var p = $"{P}layers.{i}.";
            var name = $"layers.{i}";
            g.Scope = name;
            var normed = g.RmsNorm(x, Norm(g, name + ".input_layernorm", p + "input_layernorm.weight"), t.RmsNormEps);
            var q = _linear.Linear(g, normed, name + ".q_proj", p + "self_attn.q_proj.weight", Bias(p + "self_attn.q_proj.bias"));
            var k = _linear.Linear(g, normed, name + ".k_proj", p + "self_attn.k_proj.weight", Bias(p + "self_attn.k_proj.bias"));
            var v = _linear.Linear(g, normed, name + ".v_proj", p + "self_attn.v_proj.weight", Bias(p + "self_attn.v_proj.bias"));
            q = g.Reshape(g.RotateHalf(g.Reshape(q, 0, 0, heads, hd), cos, sin, hd), 0, 0, heads * hd);
            k = g.Reshape(g.RotateHalf(g.Reshape(k, 0, 0, kvHeads, hd), cos, sin, hd), 0, 0, kvHeads * hd);
            var attended = g.Fresh("gqa");
            builder.AddNode("GroupQueryAttention",
                [q, k, v, GraphNames.PastKey(i), GraphNames.PastValue(i), seqlensK, totalLength],
                [attended, GraphNames.PresentKey(i), GraphNames.PresentValue(i)],
                [
                    OnnxAttribute.Int("num_heads", heads), OnnxAttribute.Int("kv_num_heads", kvHeads),
                    OnnxAttribute.Float("scale", (float)(1 / Math.Sqrt(hd))), OnnxAttribute.Int("do_rotary", 0),
                ],
                OnnxModelBuilder.MicrosoftDomain);
            x = g.Add(x, _linear.Linear(g, attended, name + ".o_proj", p + "self_attn.o_proj.weight", null));

            normed = g.RmsNorm(x, Norm(g, name + ".post_attention_layernorm", p + "post_attention_layernorm.weight"), t.RmsNormEps);
            var gate = g.Silu(_linear.Linear(g, normed, name + ".gate_proj", p + "mlp.gate_proj.weight", null));
            var up = _linear.Linear(g, normed, name + ".up_proj", p + "mlp.up_proj.weight", null);
            x = g.Add(x, _linear.Linear(g, g.Mul(gate, up), name + ".down_proj", p + "mlp.down_proj.weight", null));
        }

        // Only the last position of each row is sampled (the LM head over all S prefill positions would cost S× more).
        g.Scope = "lm_head";
        var sequenceLength = g.Op("Gather", [g.Op("Shape", [x]), builder.AddScalar(1L)], [OnnxAttribute.Int("axis", 0)]);
        var last = g.Op("Gather", [x, g.Unsqueeze(g.Sub(sequenceLength, builder.AddScalar(1L)), 0)], [OnnxAttribute.Int("axis", 1)]);
        last = g.RmsNorm(last, Norm(g, "norm", P + "norm.weight"), t.RmsNormEps);
        var lmHead = _tensors.Contains("lm_head.weight") ? "lm_head.weight" : P + "embed_tokens.weight";
        if (!_tensors.Contains("lm_head.weight") && !_config.TieWordEmbeddings)
            throw new ModelLoadException("config says tie_word_embeddings=false but the checkpoint has no lm_head.weight");
        var logits = _linear.Linear(g, last, "lm_head", lmHead, null, _options.EffectiveLmHead);
        g.Op("Identity", [logits], output: GraphNames.Logits);

        builder.AddOutput(GraphNames.Logits, OnnxElementType.Float, "batch_size", 1, t.VocabSize);
        for (var i = 0; i < t.LayerCount; i++)
        {
            builder.AddOutput(GraphNames.PresentKey(i), OnnxElementType.Float, "batch_size", kvHeads, "max_sequence_length", hd);
            builder.AddOutput(GraphNames.PresentValue(i), OnnxElementType.Float, "batch_size", kvHeads, "max_sequence_length", hd);
        }
    }

    private string? Bias(string name) => _tensors.Contains(name) ? name : null;

    private string Norm(GraphWriter g, string name, string tensor)
    {
        var values = _tensors.ReadSingle(tensor);
        return g.Floats(name + ".weight", values, values.Length);
    }
}
