using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// A tiny <c>vision_encoder.onnx</c> with the published I/O: <c>pixel_values</c> f32[num_patches, C·T·P·P] and the grid
/// (<c>grid_thw</c> for Qwen2-VL, <c>image_grid_thw</c> otherwise) i64[num_images, 3] → <c>image_features</c>
/// f32[num_patches/4, H]. A Qwen-VL ViT: patch embedding as one MatMul (QWEN_VL_FACTS.md §2.2.1), 2D rotary computed
/// in-graph from the grid (row/column of each patch in merge order), pre-norm blocks (LayerNorm + quick_gelu MLP for
/// Qwen2-VL, RMSNorm + SwiGLU for Qwen2.5-VL, LayerNorm + tanh-GELU for Qwen3-VL), and the 2×2 patch merger.
/// Simplifications, each exact for the inputs the tests give it (one image, at most 8×8 patches): attention spans all
/// patches (the reference restricts it to each image/frame — one image is one segment); Qwen2.5-VL's 112-px windows
/// hold the whole image, so window attention equals full attention and the window reordering is the identity; the
/// rotary uses the first grid row. Qwen3-VL's learned position table and DeepStack mergers are left out (the
/// published exports have no DeepStack output either).
/// </summary>
internal static class TinyVisionEncoderGraph
{
    public static void Write(OnnxModelBuilder builder, OnnxCommunityTinyShape s, ulong seed)
    {
        var g = new GraphWriter(builder);
        var parts = new TinyGraphParts(g, seed);
        var grid = OnnxCommunityLayout.GridInputName(s.Family);
        int e = s.VisionHidden, hd = s.VisionHeadDim, heads = s.VisionHeads;
        builder.AddInput(GraphNames.PixelValues, OnnxElementType.Float, "num_patches", s.PatchRowLength);
        builder.AddInput(grid, OnnxElementType.Int64, "num_images", 3);

        g.Scope = "patch_embed";
        var x = parts.Linear(GraphNames.PixelValues, "patch_embed.proj", s.PatchRowLength, e, bias: s.Family == QwenVlFamily.Qwen3Vl);

        // Patch i in merge order: block i/4 of the merged grid (width w/2), sub-patch i%4 → row = 2·(block / (w/2)) + sub/2,
        // column = 2·(block % (w/2)) + sub%2; angles = [row·f | column·f | row·f | column·f], f_j = 10000^(−2j/(hd/2)).
        g.Scope = "rotary";
        var width = g.Op("Gather", [g.Op("Gather", [grid, builder.AddScalar(0L)], [OnnxAttribute.Int("axis", 0)]), builder.AddScalar(2L)], [OnnxAttribute.Int("axis", 0)]);
        var index = g.Op("Range", [builder.AddScalar(0L), parts.ShapeDim(GraphNames.PixelValues, 0), builder.AddScalar(1L)]);
        long merge = s.MergeSize;
        var block = g.Op("Div", [index, builder.AddScalar(merge * merge)]);
        var sub = g.Op("Mod", [index, builder.AddScalar(merge * merge)]);
        var mergedWidth = g.Op("Div", [width, builder.AddScalar(merge)]);
        var row = g.Add(g.Mul(g.Op("Div", [block, mergedWidth]), builder.AddScalar(merge)), g.Op("Div", [sub, builder.AddScalar(merge)]));
        var column = g.Add(g.Mul(g.Op("Mod", [block, mergedWidth]), builder.AddScalar(merge)), g.Op("Mod", [sub, builder.AddScalar(merge)]));
        var frequencies = g.Floats("rotary.inv_freq", RotaryFrequencies(hd), 1, hd / 4);
        var rowAngles = g.Mul(g.Unsqueeze(g.Cast(row, OnnxElementType.Float), 1), frequencies);
        var columnAngles = g.Mul(g.Unsqueeze(g.Cast(column, OnnxElementType.Float), 1), frequencies);
        var angles = g.Op("Concat", [rowAngles, columnAngles, rowAngles, columnAngles], [OnnxAttribute.Int("axis", -1)]);
        var cos = g.Unsqueeze(g.Op("Cos", [angles]), 1);
        var sin = g.Unsqueeze(g.Op("Sin", [angles]), 1);

        for (var i = 0; i < s.VisionDepth; i++)
        {
            var name = $"blocks.{i}";
            g.Scope = name;
            var normed = Norm(parts, s, x, name + ".norm1", e);
            var qkv = g.Reshape(parts.Linear(normed, name + ".attn.qkv", e, 3 * e, bias: true), 0, 3, heads, hd);
            string Part(long k) => g.Op("Gather", [qkv, g.Builder.AddScalar(k)], [OnnxAttribute.Int("axis", 1)]);
            var q = g.RotateHalf(Part(0), cos, sin, hd);
            var k = g.RotateHalf(Part(1), cos, sin, hd);
            var v = Part(2);
            var scores = g.Mul(g.MatMul(g.Transpose(q, 1, 0, 2), g.Transpose(k, 1, 2, 0)), g.FloatScalar((float)(1 / Math.Sqrt(hd))));
            var attended = g.MatMul(g.Softmax(scores), g.Transpose(v, 1, 0, 2));
            var merged = g.Reshape(g.Transpose(attended, 1, 0, 2), 0, -1);
            x = g.Add(x, parts.Linear(merged, name + ".attn.proj", e, e, bias: true));

            normed = Norm(parts, s, x, name + ".norm2", e);
            x = g.Add(x, Mlp(parts, s, normed, name + ".mlp"));
        }

        // Merger: norm over E, 2×2 neighbours concatenated (they are consecutive rows), Linear → exact GELU → Linear.
        g.Scope = "merger";
        var groups = g.Reshape(Norm(parts, s, x, "merger.ln_q", e), -1, 4 * e);
        var hidden = g.Gelu(parts.Linear(groups, "merger.mlp.0", 4 * e, 4 * e, bias: true), tanh: false);
        var features = parts.Linear(hidden, "merger.mlp.2", 4 * e, s.Hidden, bias: true);
        g.Op("Identity", [features], output: GraphNames.ImageFeatures);
        builder.AddOutput(GraphNames.ImageFeatures, OnnxElementType.Float, "num_image_tokens", s.Hidden);
    }

    private static string Norm(TinyGraphParts parts, OnnxCommunityTinyShape s, string x, string name, int width) =>
        s.Family == QwenVlFamily.Qwen25Vl ? parts.RmsNorm(x, name, width, 1e-6) : parts.LayerNorm(x, name, width, 1e-6);

    private static string Mlp(TinyGraphParts parts, OnnxCommunityTinyShape s, string x, string name)
    {
        var g = parts.G;
        int e = s.VisionHidden, inner = s.VisionIntermediate;
        switch (s.Family)
        {
            case QwenVlFamily.Qwen2Vl:
                // quick_gelu(x) = x·sigmoid(1.702x)
                var up = parts.Linear(x, name + ".fc1", e, inner, bias: true);
                var activated = g.Mul(up, g.Op("Sigmoid", [g.Mul(up, g.FloatScalar(1.702f))]));
                return parts.Linear(activated, name + ".fc2", inner, e, bias: true);
            case QwenVlFamily.Qwen25Vl:
                var gate = g.Silu(parts.Linear(x, name + ".gate_proj", e, inner, bias: true));
                var value = parts.Linear(x, name + ".up_proj", e, inner, bias: true);
                return parts.Linear(g.Mul(gate, value), name + ".down_proj", inner, e, bias: true);
            default:
                var hidden = g.Gelu(parts.Linear(x, name + ".linear_fc1", e, inner, bias: true), tanh: true);
                return parts.Linear(hidden, name + ".linear_fc2", inner, e, bias: true);
        }
    }

    /// <summary>inv_freq[j] = 1/10000^(2j/d), d = head_dim/2, j &lt; d/2 (transformers' VisionRotaryEmbedding).</summary>
    private static float[] RotaryFrequencies(int headDim)
    {
        var d = headDim / 2;
        var result = new float[d / 2];
        for (var j = 0; j < result.Length; j++) result[j] = (float)(1.0 / Math.Pow(10000, 2.0 * j / d));
        return result;
    }
}
