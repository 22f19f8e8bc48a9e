using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// A tiny <c>decoder_model_merged.onnx</c> with the published exports' I/O (QWEN_VL_FACTS.md §1.1, transformers.js
/// decoder_forward): <c>inputs_embeds</c> f32[batch_size, sequence_length, H], <c>attention_mask</c>
/// i64[batch_size, total_sequence_length], <c>position_ids</c> i64[3, batch_size, sequence_length],
/// <c>past_key_values.{i}.key|value</c> f32[batch_size, kv_heads, past_sequence_length, head_dim] →
/// <c>logits</c> f32[batch_size, sequence_length, V], <c>present.{i}.key|value</c> (past ++ new along the sequence).
/// The model: Qwen2 decoder (q/k/v bias, chunked M-RoPE) or Qwen3 (no bias, per-head q/k RMSNorm, interleaved
/// M-RoPE); attention over present keys with a causal mask offset by the past length and the padding mask, in plain ops.
/// </summary>
internal static class TinyDecoderMergedGraph
{
    public static void Write(OnnxModelBuilder builder, OnnxCommunityTinyShape s, ulong seed)
    {
        var g = new GraphWriter(builder);
        var parts = new TinyGraphParts(g, seed);
        bool qwen3 = s.Family == QwenVlFamily.Qwen3Vl;
        int h = s.Hidden, hd = s.HeadDim, heads = s.Heads, kv = s.KvHeads, rep = heads / kv;
        builder.AddInput(GraphNames.InputsEmbeds, OnnxElementType.Float, "batch_size", "sequence_length", h);
        builder.AddInput(GraphNames.AttentionMask, OnnxElementType.Int64, "batch_size", "total_sequence_length");
        builder.AddInput(GraphNames.PositionIds, OnnxElementType.Int64, 3, "batch_size", "sequence_length");
        for (var i = 0; i < s.Layers; i++)
        {
            builder.AddInput(GraphNames.PastKey(i), OnnxElementType.Float, "batch_size", kv, "past_sequence_length", hd);
            builder.AddInput(GraphNames.PastValue(i), OnnxElementType.Float, "batch_size", kv, "past_sequence_length", hd);
        }

        // M-RoPE: angles[b,s,c] = Σ_p pos[p,b,s]·F[p,c], F assigning each frequency to its T/H/W plane (one MatMul).
        g.Scope = "rope";
        var positions = g.Transpose(g.Cast(GraphNames.PositionIds, OnnxElementType.Float), 1, 2, 0);
        var angles = g.MatMul(positions, g.Floats("rope.plane_frequencies", PlaneFrequencies(s), 3, hd));
        var cos = g.Unsqueeze(g.Op("Cos", [angles]), 2);
        var sin = g.Unsqueeze(g.Op("Sin", [angles]), 2);

        // Mask [B,1,1,S,T]: key j visible to query i (absolute index past+i) when j ≤ past+i and attention_mask[b,j] = 1.
        g.Scope = "mask";
        var total = parts.ShapeDim(GraphNames.AttentionMask, 1);
        var length = parts.ShapeDim(GraphNames.InputsEmbeds, 1);
        var past = g.Sub(total, length);
        var one = builder.AddScalar(1L);
        var keyIndex = g.Op("Range", [builder.AddScalar(0L), total, one]);
        var queryIndex = g.Op("Range", [past, total, one]);
        var causal = g.Op("LessOrEqual", [g.Unsqueeze(keyIndex, 0), g.Unsqueeze(queryIndex, 1)]);
        var notPadding = g.Unsqueeze(g.Op("Equal", [GraphNames.AttentionMask, one]), 1, 2);
        var visible = g.Unsqueeze(g.Op("And", [causal, notPadding]), 1);
        var maskBias = g.Op("Where", [visible, g.FloatScalar(0f), g.FloatScalar(-1e9f)]);

        var x = GraphNames.InputsEmbeds;
        for (var i = 0; i < s.Layers; i++)
        {
            var name = $"layers.{i}";
            g.Scope = name;
            var normed = parts.RmsNorm(x, name + ".input_layernorm", h, s.RmsNormEps);
            var q = g.Reshape(parts.Linear(normed, name + ".q_proj", h, heads * hd, bias: !qwen3), 0, 0, heads, hd);
            var k = g.Reshape(parts.Linear(normed, name + ".k_proj", h, kv * hd, bias: !qwen3), 0, 0, kv, hd);
            var v = g.Reshape(parts.Linear(normed, name + ".v_proj", h, kv * hd, bias: !qwen3), 0, 0, kv, hd);
            if (qwen3)
            {
                q = parts.RmsNorm(q, name + ".q_norm", hd, s.RmsNormEps);
                k = parts.RmsNorm(k, name + ".k_norm", hd, s.RmsNormEps);
            }
            q = g.RotateHalf(q, cos, sin, hd);
            k = g.RotateHalf(k, cos, sin, hd);

            // present = past ++ new, [B, kv, T, hd]
            var presentKey = g.Op("Concat", [GraphNames.PastKey(i), g.Transpose(k, 0, 2, 1, 3)], [OnnxAttribute.Int("axis", 2)], output: GraphNames.PresentKey(i));
            var presentValue = g.Op("Concat", [GraphNames.PastValue(i), g.Transpose(v, 0, 2, 1, 3)], [OnnxAttribute.Int("axis", 2)], output: GraphNames.PresentValue(i));

            // GQA by broadcasting: queries [B, kv, rep, S, hd] against keys [B, kv, 1, hd, T].
            var grouped = g.Transpose(g.Reshape(q, 0, 0, kv, rep, hd), 0, 2, 3, 1, 4);
            var keysT = g.Transpose(g.Unsqueeze(presentKey, 2), 0, 1, 2, 4, 3);
            var scores = g.Add(g.Mul(g.MatMul(grouped, keysT), g.FloatScalar((float)(1 / Math.Sqrt(hd)))), maskBias);
            var attended = g.MatMul(g.Softmax(scores), g.Unsqueeze(presentValue, 2));
            var merged = g.Reshape(g.Transpose(attended, 0, 3, 1, 2, 4), 0, 0, heads * hd);
            x = g.Add(x, parts.Linear(merged, name + ".o_proj", heads * hd, h, bias: false));

            normed = parts.RmsNorm(x, name + ".post_attention_layernorm", h, s.RmsNormEps);
            var gate = g.Silu(parts.Linear(normed, name + ".gate_proj", h, s.Intermediate, bias: false));
            var up = parts.Linear(normed, name + ".up_proj", h, s.Intermediate, bias: false);
            x = g.Add(x, parts.Linear(g.Mul(gate, up), name + ".down_proj", s.Intermediate, h, bias: false));
        }

        g.Scope = "lm_head";
        var final = parts.RmsNorm(x, "norm", h, s.RmsNormEps);
        var logits = parts.Linear(final, "lm_head", h, OnnxCommunityTinyShape.Vocab, bias: false);
        g.Op("Identity", [logits], output: GraphNames.Logits);

        builder.AddOutput(GraphNames.Logits, OnnxElementType.Float, "batch_size", "sequence_length", OnnxCommunityTinyShape.Vocab);
        for (var i = 0; i < s.Layers; i++)
        {
            builder.AddOutput(GraphNames.PresentKey(i), OnnxElementType.Float, "batch_size", kv, "total_sequence_length", hd);
            builder.AddOutput(GraphNames.PresentValue(i), OnnxElementType.Float, "batch_size", kv, "total_sequence_length", hd);
        }
    }

    /// <summary>F[3, head_dim]: frequency j (inv_freq θ^(−2j/hd)) on plane T, H or W — chunked (Qwen2/2.5: T for
    /// j &lt; s0, H for the next s1, W after) or interleaved (Qwen3: H for j%3==1, j &lt; 3·s1; W for j%3==2, j &lt; 3·s2;
    /// T otherwise), duplicated for the rotate-half second half (QWEN_VL_FACTS.md §2.4).</summary>
    internal static float[] PlaneFrequencies(OnnxCommunityTinyShape s)
    {
        var hd = s.HeadDim;
        var half = hd / 2;
        var section = s.MropeSection;
        var result = new float[3 * hd];
        for (var j = 0; j < half; j++)
        {
            var invFreq = (float)(1.0 / Math.Pow(s.RopeTheta, 2.0 * j / hd));
            var plane = s.Family == QwenVlFamily.Qwen3Vl
                ? (j % 3 == 1 && j < 3 * section[1] ? 1 : j % 3 == 2 && j < 3 * section[2] ? 2 : 0)
                : (j < section[0] ? 0 : j < section[0] + section[1] ? 1 : 2);
            result[plane * hd + j] = invFreq;
            result[plane * hd + j + half] = invFreq;
        }
        return result;
    }
}
