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
/// Rotary cos/sin and window segment ids come from the host (<see cref="VisionAuxInputs"/>, already in window order for
/// Qwen2.5-VL).
/// <para>One frame per run, as the Qwen3-VL graph (see <see cref="Qwen3VisionGraphBuilder"/>): full-attention blocks then
/// attend over the whole run with no mask, so ORT's CPU MultiHeadAttention takes its flash kernel; Qwen2.5-VL's windowed
/// blocks keep an additive window mask (attention_bias, the unfused [heads, N, N] path) — windows are 8×8 patches but the
/// edge ones are smaller, so they do not split into equal MHA batches. <c>image_grid_thw</c> is declared [1, 3] and the
/// patch count must equal h·w (<see cref="VisionFrame.Guard"/>), so a run fed more than one frame fails
/// instead of attending across frames.</para>
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
        // One frame per run (see the summary): ORT rejects any other row count before running.
        builder.AddInput(GraphNames.ImageGridThw, OnnxElementType.Int64, 1, 3);
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

        // Qwen2.5-VL's window mask [1, 1, N, N] (additive); full-attention blocks need none (one frame per run).
        g.Scope = "mask";
        var windowMask = _windowed ? SegmentMask(g, GraphNames.WindowSegmentIds) : null;
        var (cos, sin, patchIndex) = VisionFrame.RotaryTables(g, hd);

        for (var i = 0; i < _config.Depth; i++)
        {
            var b = $"{P}blocks.{i}.";
            var name = $"visual.blocks.{i}";
            g.Scope = name;
            var windowed = _windowed && !_config.FullAttentionBlockIndexes.Contains(i);
            var h = Norm(g, x, name + ".norm1", b + "norm1");
            var qkv = _linear.Linear(g, h, name + ".attn.qkv", b + "attn.qkv.weight", b + "attn.qkv.bias");
            // qkv columns are (3, heads, hd): q, k, v are the three E-wide thirds, each [1, N, E] with heads packed.
            var (q, k, v) = (g.Fresh("q"), g.Fresh("k"), g.Fresh("v"));
            builder.AddNode("Split", [g.Unsqueeze(qkv, 0), builder.AddInt64s(e, e, e)], [q, k, v], [OnnxAttribute.Int("axis", -1)]);
            q = g.Rotary(q, patchIndex, cos, sin, heads);
            k = g.Rotary(k, patchIndex, cos, sin, heads);
            // com.microsoft.MultiHeadAttention; attention_bias only on windowed blocks, so full blocks take the flash kernel.
            string[] attentionInputs = windowed ? [q, k, v, "", "", windowMask!] : [q, k, v];
            var attended = g.Op("MultiHeadAttention", attentionInputs,
                [OnnxAttribute.Int("num_heads", heads), OnnxAttribute.Float("scale", (float)(1 / Math.Sqrt(hd)))], OnnxModelBuilder.MicrosoftDomain);
            var merged = g.Reshape(attended, -1, e);
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
