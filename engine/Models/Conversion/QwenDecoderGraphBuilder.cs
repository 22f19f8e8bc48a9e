using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// The text decoder of all three families as one graph over shared max-length KV buffers (design in KV_CACHE.md):
/// <c>inputs_embeds</c> [B,S,H] (embedding and image scatter are done on the host) → per layer: RMSNorm → q/k/v (with
/// bias where the checkpoint has one: Qwen2/2.5-VL) → per-head q/k RMSNorm (Qwen3-VL only) → M-RoPE, interleaved
/// (Qwen3-VL) or chunked by <c>mrope_section</c> (Qwen2/2.5-VL; [16,24,24] for head_dim 128), cos/sin from
/// <c>position_ids</c> [3,B,S] in-graph, rotate-half by <c>com.microsoft.RotaryEmbedding</c> over per-token tables
/// → attention over the cache (<c>com.microsoft.GroupQueryAttention</c>, or the engine's own op for decode steps: see
/// <see cref="DecoderAttention"/>; seqlens_k = ΣMask−1, total length = mask width) → o_proj → residual →
/// RMSNorm → SwiGLU MLP → residual → (+ DeepStack chunk d after layer d, d &lt; D) → last position of each row → final
/// RMSNorm → LM head → <c>logits</c> [B,1,V].
/// </summary>
internal sealed class QwenDecoderGraphBuilder
{
    private const string P = "model.language_model.";

    private readonly QwenVlConfig _config;
    private readonly CheckpointTensors _tensors;
    private readonly LinearLayerWriter _linear;
    private readonly ConversionOptions _options;

    public QwenDecoderGraphBuilder(QwenVlConfig config, CheckpointTensors tensors, LinearLayerWriter linear, ConversionOptions options)
    {
        _config = config;
        _tensors = tensors;
        _linear = linear;
        _options = options;
    }

    /// <summary>DeepStack chunks in <c>per_layer_inputs</c> (0 for families without DeepStack).</summary>
    public int DeepstackCount => _config.Vision.DeepstackVisualIndexes.Length;

    public void Build(OnnxModelBuilder builder)
    {
        var t = _config.Text;
        var g = new GraphWriter(builder);
        long h = t.HiddenSize, hd = t.HeadDim, heads = t.AttentionHeadCount, kvHeads = t.KeyValueHeadCount;
        var d = DeepstackCount;
        var kvType = _options.EffectiveKvCache;
        builder.AddInput(GraphNames.InputsEmbeds, OnnxElementType.Float, "batch_size", "sequence_length", h);
        if (d > 0) builder.AddInput(GraphNames.PerLayerInputs, OnnxElementType.Float, "batch_size", "sequence_length", d * h);
        builder.AddInput(GraphNames.PositionIds, OnnxElementType.Int64, 3, "batch_size", "sequence_length");
        builder.AddInput(GraphNames.AttentionMask, OnnxElementType.Int64, "batch_size", "total_sequence_length");
        for (var i = 0; i < t.LayerCount; i++)
        {
            builder.AddInput(GraphNames.PastKey(i), kvType, "batch_size", kvHeads, "max_sequence_length", hd);
            builder.AddInput(GraphNames.PastValue(i), kvType, "batch_size", kvHeads, "max_sequence_length", hd);
        }

        // GQA's per-row lengths: seqlens_k[b] = Σ mask[b] − 1 (index of the row's last valid position), total = mask width.
        g.Scope = "attention_lengths";
        var rowTotals = g.Op("ReduceSum", [GraphNames.AttentionMask, builder.AddInt64s(1)], [OnnxAttribute.Int("keepdims", 0)]);
        var seqlensK = g.Cast(g.Sub(rowTotals, builder.AddScalar(1L)), OnnxElementType.Int32);
        var maskShape = g.Op("Shape", [GraphNames.AttentionMask]);
        var totalLength = g.Cast(g.Op("Gather", [maskShape, builder.AddScalar(1L)], [OnnxAttribute.Int("axis", 0)]), OnnxElementType.Int32);
        var attention = _options.EffectiveAttention;
        if (attention != DecoderAttention.GroupQuery) builder.SetOpset(DecodeAttentionOp.Domain, 1);
        // A decode step feeds one token per row; the If per layer picks the attention kernel on it.
        var isDecodeStep = attention == DecoderAttention.OwnForDecodeSteps
            ? g.Op("Equal", [g.Op("Gather", [g.Op("Shape", [GraphNames.InputsEmbeds]), builder.AddScalar(1L)], [OnnxAttribute.Int("axis", 0)]), builder.AddScalar(1L)])
            : null;

        // M-RoPE: angle[b,s,c] = Σ_p pos[p,b,s] · F[p,c] where F[p,c] = inv_freq[c mod hd/2] if column c takes plane p —
        // one MatMul [B,S,3]×[3,hd] gives the interleaved, already duplicated (cat(f,f)) angles.
        g.Scope = "rope";
        // Only the first half is needed (cat(f, f)): RotaryEmbedding takes tables [tokens, hd/2], one row per token
        // (row b·S + s, looked up through tokenIndex [B, S]).
        var positions = g.Transpose(g.Cast(GraphNames.PositionIds, OnnxElementType.Float), 1, 2, 0);
        var halfFrequencies = PlaneFrequencies(t).Chunk((int)hd).SelectMany(row => row.Take((int)hd / 2)).ToArray();
        var angles = g.Reshape(g.MatMul(positions, g.Floats("rope.plane_frequencies", halfFrequencies, 3, hd / 2)), -1, hd / 2);
        var cos = g.Op("Cos", [angles]);
        var sin = g.Op("Sin", [angles]);
        var batchAndLength = g.Slice(g.Op("Shape", [GraphNames.InputsEmbeds]), 0, 0, 2);
        var tokenCount = g.Op("ReduceProd", [batchAndLength], [OnnxAttribute.Int("keepdims", 0)]);
        var tokenIndex = g.Op("Reshape", [g.Op("Range", [builder.AddScalar(0L), tokenCount, builder.AddScalar(1L)]), batchAndLength]);

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
            if (_config.Family == QwenVlFamily.Qwen3Vl)
            {
                // Per-head RMSNorm over head_dim, then rotary (Qwen3VLTextAttention order).
                q = g.Reshape(g.RmsNorm(g.Reshape(q, 0, 0, heads, hd), Norm(g, name + ".q_norm", p + "self_attn.q_norm.weight"), t.RmsNormEps), 0, 0, heads * hd);
                k = g.Reshape(g.RmsNorm(g.Reshape(k, 0, 0, kvHeads, hd), Norm(g, name + ".k_norm", p + "self_attn.k_norm.weight"), t.RmsNormEps), 0, 0, kvHeads * hd);
            }
            q = g.Rotary(q, tokenIndex, cos, sin, heads);
            k = g.Rotary(k, tokenIndex, cos, sin, kvHeads);
            // GQA computes in the cache's type: with an fp16 cache q/k/v go in as fp16 (a few KB per decode row) and the
            // attended values come back to fp32 for o_proj.
            if (kvType == OnnxElementType.Float16) (q, k, v) = (g.Cast(q, kvType), g.Cast(k, kvType), g.Cast(v, kvType));
            var attended = g.Fresh("attn");
            var inputs = new[] { q, k, v, GraphNames.PastKey(i), GraphNames.PastValue(i), seqlensK, totalLength };
            var outputs = new[] { attended, GraphNames.PresentKey(i), GraphNames.PresentValue(i) };
            OnnxAttribute[] attributes =
            [
                OnnxAttribute.Int("num_heads", heads), OnnxAttribute.Int("kv_num_heads", kvHeads),
                OnnxAttribute.Float("scale", (float)(1 / Math.Sqrt(hd))), OnnxAttribute.Int("do_rotary", 0),
            ];
            var gqa = new OnnxBranchNode("GroupQueryAttention", inputs, attributes, OnnxModelBuilder.MicrosoftDomain);
            var own = gqa with { OpType = DecodeAttentionOp.OpName, Domain = DecodeAttentionOp.Domain }; // same inputs, outputs and attributes
            if (isDecodeStep is not null)
            {
                builder.AddIf(isDecodeStep,
                    [
                        new OnnxTypedValue(attended, kvType, "batch_size", "sequence_length", heads * hd),
                        new OnnxTypedValue(GraphNames.PresentKey(i), kvType, "batch_size", kvHeads, "max_sequence_length", hd),
                        new OnnxTypedValue(GraphNames.PresentValue(i), kvType, "batch_size", kvHeads, "max_sequence_length", hd),
                    ], own, gqa, name: name + ".attention");
            }
            else
            {
                var node = attention == DecoderAttention.Own ? own : gqa;
                builder.AddNode(node.OpType, node.Inputs, outputs, node.Attributes, node.Domain);
            }
            if (kvType == OnnxElementType.Float16) attended = g.Cast(attended, OnnxElementType.Float);
            x = g.Add(x, _linear.Linear(g, attended, name + ".o_proj", p + "self_attn.o_proj.weight", null));

            normed = g.RmsNorm(x, Norm(g, name + ".post_attention_layernorm", p + "post_attention_layernorm.weight"), t.RmsNormEps);
            var gate = g.Silu(_linear.Linear(g, normed, name + ".gate_proj", p + "mlp.gate_proj.weight", null));
            var up = _linear.Linear(g, normed, name + ".up_proj", p + "mlp.up_proj.weight", null);
            x = g.Add(x, _linear.Linear(g, g.Mul(gate, up), name + ".down_proj", p + "mlp.down_proj.weight", null));

            // DeepStack: visual features of ViT block deepstack_visual_indexes[i] join the residual stream after layer i.
            if (i < d) x = g.Add(x, g.Slice(GraphNames.PerLayerInputs, -1, i * h, (i + 1) * h));
        }

        // Only the last position of each row is sampled; the LM head over all S prefill positions would cost S× more
        // (151936×2048×2 ≈ 0.6 GFLOP per position).
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
            builder.AddOutput(GraphNames.PresentKey(i), kvType, "batch_size", kvHeads, "max_sequence_length", hd);
            builder.AddOutput(GraphNames.PresentValue(i), kvType, "batch_size", kvHeads, "max_sequence_length", hd);
        }
    }

    /// <summary>
    /// F [3, head_dim]: F[p, c] = inv_freq[j] (j = c mod head_dim/2, inv_freq[j] = θ^(−2j/head_dim)) when frequency j
    /// takes plane p, else 0. Qwen3 interleaves (facts §2.4): H for j%3==1 and j &lt; 3·section[1], W for j%3==2 and
    /// j &lt; 3·section[2], T otherwise. Qwen2/2.5 (chunked) would put T on j &lt; s0, H on s0 ≤ j &lt; s0+s1, W after.
    /// </summary>
    internal static float[] PlaneFrequencies(QwenTextConfig t)
    {
        var half = t.HeadDim / 2;
        var result = new float[3 * t.HeadDim];
        var section = t.MropeSection;
        for (var j = 0; j < half; j++)
        {
            var invFreq = (float)(1.0 / Math.Pow(t.RopeTheta, 2.0 * j / t.HeadDim));
            int plane;
            if (t.MropeInterleaved) plane = j % 3 == 1 && j < 3 * section[1] ? 1 : j % 3 == 2 && j < 3 * section[2] ? 2 : 0;
            else plane = j < section[0] ? 0 : j < section[0] + section[1] ? 1 : 2;
            result[plane * t.HeadDim + j] = invFreq;
            result[plane * t.HeadDim + j + half] = invFreq;
        }
        return result;
    }

    private string? Bias(string name) => _tensors.Contains(name) ? name : null;

    private string Norm(GraphWriter g, string name, string tensor)
    {
        var values = _tensors.ReadSingle(tensor);
        return g.Floats(name + ".weight", values, values.Length);
    }
}
