using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>A tiny <c>embed_tokens.onnx</c>: <c>input_ids</c> i64[batch_size, sequence_length] → Gather of the
/// [V, H] table → <c>inputs_embeds</c> f32[batch_size, sequence_length, H] (transformers.js encode_text).</summary>
internal static class TinyEmbedTokensGraph
{
    public const string InputIds = "input_ids";

    public static void Write(OnnxModelBuilder builder, OnnxCommunityTinyShape s, ulong seed)
    {
        var g = new GraphWriter(builder);
        var parts = new TinyGraphParts(g, seed);
        builder.AddInput(InputIds, OnnxElementType.Int64, "batch_size", "sequence_length");
        var table = g.Floats("embed_tokens.weight", parts.Random("embed_tokens.weight", OnnxCommunityTinyShape.Vocab * s.Hidden), OnnxCommunityTinyShape.Vocab, s.Hidden);
        g.Op("Gather", [table, InputIds], [OnnxAttribute.Int("axis", 0)], output: GraphNames.InputsEmbeds);
        builder.AddOutput(GraphNames.InputsEmbeds, OnnxElementType.Float, "batch_size", "sequence_length", s.Hidden);
    }
}
