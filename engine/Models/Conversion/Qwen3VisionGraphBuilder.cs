using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// The Qwen3-VL vision encoder as one graph (transformers <c>Qwen3VLVisionModel</c>, QWEN_VL_FACTS.md §2.2):
/// patch embed (MatMul + bias) + bilinear position table → blocks (LayerNorm → qkv → 2D rotary → full attention over the
/// frame → proj; LayerNorm → fc1 → GELU(tanh) → fc2) → main merger (LayerNorm over E, 2×2 concat, exact GELU) and one
/// DeepStack merger (2×2 concat, LayerNorm over 4E, exact GELU) after each block in <c>deepstack_visual_indexes</c>.
/// Position-table blending weights and rotary cos/sin come from the host (<see cref="VisionAuxInputs"/>), so the graph does
/// no shape arithmetic over the grids beyond the one-frame check. The 4 patches of a merge group are consecutive rows of
/// <c>pixel_values</c>, so the 2×2 concat is a Reshape to [N/4, 4E].
/// <para>One frame per run (one <c>image_grid_thw</c> row with t = 1; the engine's VisionEncoder runs each frame alone):
/// transformers' cu_seqlens make one attention segment per frame, so attention never crosses frames and per-frame runs
/// are exact. With one segment there is no mask, and without attention_bias ORT's CPU MultiHeadAttention takes its
/// flash kernel (tiles sized from the L2 cache) instead of materialising [heads, N, N] scores: 16 × 8160² floats = 4.3 GB
/// for a 1920×1080 image. A run fed more frames fails instead of attending across them: <c>image_grid_thw</c> is declared
/// [1, 3] and the patch count must equal h·w (<see cref="VisionFrame.Guard"/>). <c>attention_segment_ids</c> stays declared (only
/// its length is read) so callers written for the masked graphs feed both alike.</para>
/// </summary>
internal sealed class Qwen3VisionGraphBuilder
{
    private const string P = "model.visual.";

    private readonly QwenVisionConfig _config;
    private readonly CheckpointTensors _tensors;
    private readonly LinearLayerWriter _linear;

    public Qwen3VisionGraphBuilder(QwenVisionConfig config, CheckpointTensors tensors, LinearLayerWriter linear)
    {
        _config = config;
        _tensors = tensors;
        _linear = linear;
    }

    public void Build(OnnxModelBuilder builder)
    {
        var g = new GraphWriter(builder);
        long e = _config.HiddenSize, hd = _config.HeadDim, heads = _config.HeadCount;
        const string n = "num_patches";
        builder.AddInput(GraphNames.PixelValues, OnnxElementType.Float, n, _config.PatchRowLength);
        // One frame per run (see the summary): ORT rejects any other row count before running.
        builder.AddInput(GraphNames.ImageGridThw, OnnxElementType.Int64, 1, 3);
        builder.AddInput(GraphNames.PosEmbedIndices, OnnxElementType.Int64, n, 4);
        builder.AddInput(GraphNames.PosEmbedWeights, OnnxElementType.Float, n, 4);
        builder.AddInput(GraphNames.RotaryCos, OnnxElementType.Float, n, hd);
        builder.AddInput(GraphNames.RotarySin, OnnxElementType.Float, n, hd);
        builder.AddInput(GraphNames.AttentionSegmentIds, OnnxElementType.Int64, n);

        // Patch embedding: Conv3d with kernel = stride = (T, P, P) over rows laid out (C, T, P, P) is a MatMul.
        g.Scope = "patch_embed";
        var x = _linear.Linear(g, GraphNames.PixelValues, "visual.patch_embed", P + "patch_embed.proj.weight", P + "patch_embed.proj.bias");

        // Position embedding: Σ_j table[idx[:, j]] · w[:, j] (bilinear, align_corners; merge order done on the host).
        g.Scope = "pos_embed";
        var table = g.Floats("visual.pos_embed.weight", _tensors.ReadSingle(P + "pos_embed.weight"), _config.PositionEmbeddingCount, e);
        var gathered = g.Op("Gather", [table, GraphNames.PosEmbedIndices], [OnnxAttribute.Int("axis", 0)]);
        var weighted = g.Mul(gathered, g.Unsqueeze(GraphNames.PosEmbedWeights, -1));
        x = g.Add(x, g.Op("ReduceSum", [weighted, builder.AddInt64s(1)], [OnnxAttribute.Int("keepdims", 0)]));

        g.Scope = "rotary";
        var (cos, sin, patchIndex) = VisionFrame.RotaryTables(g, hd);

        var deepstack = _config.DeepstackVisualIndexes;
        for (var i = 0; i < _config.Depth; i++)
        {
            var b = $"{P}blocks.{i}.";
            var name = $"visual.blocks.{i}";
            g.Scope = name;
            // Attention: qkv [N, 3E] → [3, heads, N, hd] → q, k, v each [1, heads, N, hd].
            var h = g.LayerNorm(x, Norm(g, name + ".norm1.weight", b + "norm1.weight"), Norm(g, name + ".norm1.bias", b + "norm1.bias"), 1e-6);
            var qkv = _linear.Linear(g, h, name + ".attn.qkv", b + "attn.qkv.weight", b + "attn.qkv.bias");
            // qkv columns are (3, heads, hd): q, k, v are the three E-wide thirds, each [1, N, E] with heads packed.
            var (q, k, v) = (g.Fresh("q"), g.Fresh("k"), g.Fresh("v"));
            builder.AddNode("Split", [g.Unsqueeze(qkv, 0), builder.AddInt64s(e, e, e)], [q, k, v], [OnnxAttribute.Int("axis", -1)]);
            q = g.Rotary(q, patchIndex, cos, sin, heads);
            k = g.Rotary(k, patchIndex, cos, sin, heads);
            // One fused node (com.microsoft.MultiHeadAttention) for scale, Q·Kᵀ, softmax and ·V: the plain-op version
            // spent ~51% of the 640×480 encoder in FusedMatMul, the [16, 1200, 1200] mask Add, Softmax and Transposes
            // (docs/PERFORMANCE.md). No attention_bias, key_padding_mask or past: ORT's CPU kernel then uses flash attention.
            var attended = g.Op("MultiHeadAttention", [q, k, v],
                [OnnxAttribute.Int("num_heads", heads), OnnxAttribute.Float("scale", (float)(1 / Math.Sqrt(hd)))], OnnxModelBuilder.MicrosoftDomain);
            var merged = g.Reshape(attended, -1, e);
            x = g.Add(x, _linear.Linear(g, merged, name + ".attn.proj", b + "attn.proj.weight", b + "attn.proj.bias"));

            // MLP with the tanh GELU (gelu_pytorch_tanh).
            h = g.LayerNorm(x, Norm(g, name + ".norm2.weight", b + "norm2.weight"), Norm(g, name + ".norm2.bias", b + "norm2.bias"), 1e-6);
            h = g.Gelu(_linear.Linear(g, h, name + ".mlp.linear_fc1", b + "mlp.linear_fc1.weight", b + "mlp.linear_fc1.bias"), tanh: true);
            x = g.Add(x, _linear.Linear(g, h, name + ".mlp.linear_fc2", b + "mlp.linear_fc2.weight", b + "mlp.linear_fc2.bias"));

            var ds = Array.IndexOf(deepstack, i);
            if (ds >= 0)
            {
                g.Scope = $"visual.deepstack_merger_list.{ds}";
                Merger(g, x, $"{P}deepstack_merger_list.{ds}.", g.Scope, postShuffleNorm: true, GraphNames.DeepstackFeatures(ds));
            }
        }
        g.Scope = "visual.merger";
        Merger(g, x, P + "merger.", g.Scope, postShuffleNorm: false, GraphNames.ImageFeatures);

        builder.AddOutput(GraphNames.ImageFeatures, OnnxElementType.Float, "num_merged_patches", _config.OutHiddenSize);
        for (var j = 0; j < deepstack.Length; j++)
            builder.AddOutput(GraphNames.DeepstackFeatures(j), OnnxElementType.Float, "num_merged_patches", _config.OutHiddenSize);
    }

    /// <summary>Qwen3VLVisionPatchMerger: main (LayerNorm over E, then 2×2 concat) or DeepStack (concat, then LayerNorm over 4E).</summary>
    private void Merger(GraphWriter g, string x, string prefix, string name, bool postShuffleNorm, string output)
    {
        long e = _config.HiddenSize, groups = _config.SpatialMergeSize * _config.SpatialMergeSize;
        string h;
        var scaleW = Norm(g, name + ".norm.weight", prefix + "norm.weight");
        var biasW = Norm(g, name + ".norm.bias", prefix + "norm.bias");
        if (postShuffleNorm) h = g.LayerNorm(g.Reshape(x, -1, groups * e), scaleW, biasW, 1e-6);
        else h = g.Reshape(g.LayerNorm(x, scaleW, biasW, 1e-6), -1, groups * e);
        h = g.Gelu(_linear.Linear(g, h, name + ".linear_fc1", prefix + "linear_fc1.weight", prefix + "linear_fc1.bias"), tanh: false);
        var y = _linear.Linear(g, h, name + ".linear_fc2", prefix + "linear_fc2.weight", prefix + "linear_fc2.bias");
        g.Op("Identity", [y], output: output);
    }

    private string Norm(GraphWriter g, string name, string tensor)
    {
        var values = _tensors.ReadSingle(tensor);
        return g.Floats(name, values, values.Length);
    }
}
