using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>ONNX Runtime contrib ops (com.microsoft) that replace chains of plain ops in the Qwen graphs.</summary>
internal static class FusedOps
{
    /// <summary>
    /// <see cref="GraphWriter.RotateHalf"/> in one node: <c>com.microsoft.RotaryEmbedding</c> (interleaved=0, i.e.
    /// rotate-half) over x [B, S, heads·d] or [B, heads, S, d]. The op looks its angles up as cache[position_ids[b, s]];
    /// M-RoPE and the 2D vision rotary give every token its own angles, so callers pass per-token tables cos/sin
    /// [B·S, d/2] and <paramref name="tokenIndex"/> [B, S] = b·S + s. One node instead of seven (2 Slice, Neg, Concat,
    /// 2 Mul, Add) per q and k per layer: fewer passes over the activations and ~390 fewer node launches per decode step
    /// in the 2B decoder.
    /// </summary>
    public static string Rotary(this GraphWriter g, string x, string tokenIndex, string cosHalf, string sinHalf, long heads) =>
        g.Op("RotaryEmbedding", [x, tokenIndex, cosHalf, sinHalf],
            [OnnxAttribute.Int("interleaved", 0), OnnxAttribute.Int("num_heads", heads)], OnnxModelBuilder.MicrosoftDomain);
}
