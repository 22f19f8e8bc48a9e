using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// The Qwen2-VL and Qwen2.5-VL vision encoders as one graph (transformers <c>Qwen2VisionTransformerPretrainedModel</c> and
/// <c>Qwen2_5_VisionTransformerPretrainedModel</c>, QWEN_VL_FACTS.md §2.2): patch embed (MatMul, no bias, no position table)
/// → blocks [norm1 → qkv → 2D rotary → attention → proj → residual → norm2 → MLP → residual] → merger (ln_q over E, 2×2
/// concat, <c>mlp.0</c>, exact GELU, <c>mlp.2</c>).
/// <list type="bullet">
/// <item>Qwen2-VL: LayerNorm (ε 1e-6), MLP fc1 → quick_gelu (x·σ(1.702x)) → fc2; every block attends within its frame.</item>
/// <item>Qwen2.5-VL: RMSNorm (ε 1e-6), SwiGLU MLP with biases; the patch embeddings are gathered into window order
/// (<see cref="GraphNames.WindowPatchIndex"/>), blocks in <c>fullatt_block_indexes</c> attend within the frame and the others
/// within their 112-px window; the merger output is gathered back (<see cref="GraphNames.WindowMergedReverseIndex"/>).</item>
/// </list>
/// Rotary cos/sin and segment ids come from the host (<see cref="VisionAuxInputs"/>, already in window order for Qwen2.5-VL).
/// </summary>
internal sealed class Qwen2VisionGraphBuilder
{
    private const string P = "model.visual.";
    private const double NormEps = 1e-6;

    // Masked scores: large and finite, so a fully masked row could never produce inf − inf = NaN.
    private const float MaskedScore = -1e30f;

    private readonly QwenVisionConfig _config;
    private readonly CheckpointTensors _tensors;
    private readonly LinearLayerWriter _linear;
    private readonly bool _windowed;

    public Qwen2VisionGraphBuilder(QwenVlFamily family, QwenVisionConfig config, CheckpointTensors tensors, LinearLayerWriter linear)
    {
        if (family is not (QwenVlFamily.Qwen2Vl or QwenVlFamily.Qwen25Vl)) throw new ArgumentOutOfRangeException(nameof(family), family, null);
        Family = family;
        _config = config;
        _tensors = tensors;
        _linear = linear;
        _windowed = family == QwenVlFamily.Qwen25Vl && config.WindowSize > 0;
        // The activations are spelled out in the graph; a checkpoint asking for another one must not convert silently.
        var expectedAct = family == QwenVlFamily.Qwen25Vl ? "silu" : "quick_gelu";
        if (config.HiddenAct != expectedAct)
            throw new ModelLoadException($"vision_config.hidden_act '{config.HiddenAct}' is not supported for {ModelPackage.FamilyName(family)} (expected {expectedAct})");
    }

    public QwenVlFamily Family { get; }

    private bool IsQwen25 => Family == QwenVlFamily.Qwen25Vl;

    public void Build(OnnxModelBuilder builder)
    {
        var g = new GraphWriter(builder);
        long e = _config.HiddenSize, hd = _config.HeadDim, heads = _config.HeadCount;
        const string n = "num_patches";
        builder.AddInput(GraphNames.PixelValues, OnnxElementType.Float, n, _config.PatchRowLength);
        builder.AddInput(GraphNames.ImageGridThw, OnnxElementType.Int64, "num_images", 3);
        builder.AddInput(GraphNames.RotaryCos, OnnxElementType.Float, n, hd);
        builder.AddInput(GraphNames.RotarySin, OnnxElementType.Float, n, hd);
        builder.AddInput(GraphNames.AttentionSegmentIds, OnnxElementType.Int64, n);
        if (_windowed)
        {
            builder.AddInput(GraphNames.WindowPatchIndex, OnnxElementType.Int64, n);
            builder.AddInput(GraphNames.WindowSegmentIds, OnnxElementType.Int64, n);
            builder.AddInput(GraphNames.WindowMergedReverseIndex, OnnxElementType.Int64, "num_merged_patches");
        }

        // Patch embedding: Conv3d (no bias) with kernel = stride = (T, P, P) over rows laid out (C, T, P, P) is a MatMul.
        g.Scope = "patch_embed";
        var x = _linear.Linear(g, GraphNames.PixelValues, "visual.patch_embed", P + "patch_embed.proj.weight", Optional(P + "patch_embed.proj.bias"));
        if (_windowed) x = g.Op("Gather", [x, GraphNames.WindowPatchIndex], [OnnxAttribute.Int("axis", 0)]);

        // Additive masks [1, 1, N, N]: frame (full attention) and, for Qwen2.5-VL, window.
        g.Scope = "mask";
        var frameMask = SegmentMask(g, GraphNames.AttentionSegmentIds);
        var windowMask = _windowed ? SegmentMask(g, GraphNames.WindowSegmentIds) : frameMask;
        var cos = g.Unsqueeze(GraphNames.RotaryCos, 0, 1);
        var sin = g.Unsqueeze(GraphNames.RotarySin, 0, 1);
        var scale = g.FloatScalar((float)(1 / Math.Sqrt(hd)));

        for (var i = 0; i < _config.Depth; i++)
        {
            var b = $"{P}blocks.{i}.";
            var name = $"visual.blocks.{i}";
            g.Scope = name;
            var mask = _windowed && !_config.FullAttentionBlockIndexes.Contains(i) ? windowMask : frameMask;
            // Attention: qkv [N, 3E] → [3, heads, N, hd] → q, k, v each [1, heads, N, hd].
            var h = Norm(g, x, name + ".norm1", b + "norm1");
            var qkv = _linear.Linear(g, h, name + ".attn.qkv", b + "attn.qkv.weight", b + "attn.qkv.bias");
            var split = g.Transpose(g.Reshape(qkv, -1, 3, heads, hd), 1, 2, 0, 3);
            var (q, k, v) = (g.Fresh("q"), g.Fresh("k"), g.Fresh("v"));
            builder.AddNode("Split", [split, builder.AddInt64s(1, 1, 1)], [q, k, v], [OnnxAttribute.Int("axis", 0)]);
            q = g.Mul(g.RotateHalf(q, cos, sin, hd), scale);
            k = g.RotateHalf(k, cos, sin, hd);
            var scores = g.Add(g.MatMul(q, g.Transpose(k, 0, 1, 3, 2)), mask);
            var attended = g.MatMul(g.Softmax(scores), v);
            var merged = g.Reshape(g.Transpose(attended, 0, 2, 1, 3), -1, e);
            x = g.Add(x, _linear.Linear(g, merged, name + ".attn.proj", b + "attn.proj.weight", b + "attn.proj.bias"));

            h = Norm(g, x, name + ".norm2", b + "norm2");
            x = g.Add(x, IsQwen25 ? SwiGlu(g, h, name, b) : QuickGeluMlp(g, h, name, b));
        }

        // Merger: ln_q over E, 4 consecutive rows → [N/4, 4E], Linear, exact GELU, Linear.
        g.Scope = "visual.merger";
        var groups = _config.SpatialMergeSize * _config.SpatialMergeSize;
        var y = g.Reshape(Norm(g, x, "visual.merger.ln_q", P + "merger.ln_q"), -1, groups * e);
        y = g.Gelu(_linear.Linear(g, y, "visual.merger.mlp.0", P + "merger.mlp.0.weight", P + "merger.mlp.0.bias"), tanh: false);
        y = _linear.Linear(g, y, "visual.merger.mlp.2", P + "merger.mlp.2.weight", P + "merger.mlp.2.bias");
        if (_windowed) y = g.Op("Gather", [y, GraphNames.WindowMergedReverseIndex], [OnnxAttribute.Int("axis", 0)]);
        g.Op("Identity", [y], output: GraphNames.ImageFeatures);
        builder.AddOutput(GraphNames.ImageFeatures, OnnxElementType.Float, "num_merged_patches", _config.OutHiddenSize);
    }

    private static string SegmentMask(GraphWriter g, string segmentIds)
    {
        var same = g.Op("Equal", [g.Unsqueeze(segmentIds, 1), g.Unsqueeze(segmentIds, 0)]);
        return g.Unsqueeze(g.Op("Where", [same, g.FloatScalar(0f), g.FloatScalar(MaskedScore)]), 0, 1);
    }

    /// <summary>Qwen2-VL VisionMlp: fc2(quick_gelu(fc1(x))), quick_gelu(x) = x·σ(1.702·x).</summary>
    private string QuickGeluMlp(GraphWriter g, string x, string name, string b)
    {
        var up = _linear.Linear(g, x, name + ".mlp.fc1", b + "mlp.fc1.weight", b + "mlp.fc1.bias");
        var activated = g.Mul(up, g.Op("Sigmoid", [g.Mul(up, g.FloatScalar(1.702f))]));
        return _linear.Linear(g, activated, name + ".mlp.fc2", b + "mlp.fc2.weight", b + "mlp.fc2.bias");
    }

    /// <summary>Qwen2.5-VL vision MLP: down(silu(gate(x)) · up(x)), all three with bias.</summary>
    private string SwiGlu(GraphWriter g, string x, string name, string b)
    {
        var gate = g.Silu(_linear.Linear(g, x, name + ".mlp.gate_proj", b + "mlp.gate_proj.weight", b + "mlp.gate_proj.bias"));
        var up = _linear.Linear(g, x, name + ".mlp.up_proj", b + "mlp.up_proj.weight", b + "mlp.up_proj.bias");
        return _linear.Linear(g, g.Mul(gate, up), name + ".mlp.down_proj", b + "mlp.down_proj.weight", b + "mlp.down_proj.bias");
    }

    /// <summary>The family's norm: LayerNorm with weight and bias (Qwen2-VL) or RMSNorm with weight only (Qwen2.5-VL).</summary>
    private string Norm(GraphWriter g, string x, string name, string prefix)
    {
        var weight = Floats(g, name + ".weight", prefix + ".weight");
        return IsQwen25 ? g.RmsNorm(x, weight, NormEps) : g.LayerNorm(x, weight, Floats(g, name + ".bias", prefix + ".bias"), NormEps);
    }

    private string Floats(GraphWriter g, string name, string tensor)
    {
        var values = _tensors.ReadSingle(tensor);
        return g.Floats(name, values, values.Length);
    }

    private string? Optional(string tensor) => _tensors.Contains(tensor) ? tensor : null;
}
