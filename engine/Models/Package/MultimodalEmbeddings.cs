namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// Host-side assembly of the decoder's multimodal inputs for one sequence (or one prefill chunk of it): image features
/// replace the embeddings at <c>&lt;|image_pad|&gt;</c> positions in order (transformers' masked_scatter), and the DeepStack
/// features are laid out as <c>per_layer_inputs</c> [S, D·H] — chunk d at the same positions, zeros elsewhere
/// (QWEN_VL_FACTS.md §1.4, mobius layout).
/// </summary>
public static class MultimodalEmbeddings
{
    /// <summary>
    /// Overwrites the rows of <paramref name="embeds"/> [S, H] at image-token positions of <paramref name="ids"/> with
    /// consecutive rows of <paramref name="features"/> [*, H], starting at row <paramref name="firstFeatureRow"/> (non-zero
    /// when a prefill chunk starts in the middle of an image). Returns the number of rows used.
    /// </summary>
    public static int ScatterImageFeatures(ReadOnlySpan<long> ids, long imageTokenId, ReadOnlySpan<float> features, int hidden,
        Span<float> embeds, int firstFeatureRow = 0)
    {
        var row = firstFeatureRow;
        for (var s = 0; s < ids.Length; s++)
        {
            if (ids[s] != imageTokenId) continue;
            if ((row + 1) * hidden > features.Length)
                throw new ArgumentException($"the prompt has more image tokens than the {features.Length / hidden} image feature rows given");
            features.Slice(row * hidden, hidden).CopyTo(embeds.Slice(s * hidden, hidden));
            row++;
        }
        return row - firstFeatureRow;
    }

    /// <summary>
    /// Fills <paramref name="perLayerInputs"/> [S, D·H]: zeros, and at image-token positions the matching row of each
    /// DeepStack feature d in columns [d·H, (d+1)·H). Rows are taken from <paramref name="firstFeatureRow"/> on, as in
    /// <see cref="ScatterImageFeatures"/>. Returns the number of rows used.
    /// </summary>
    public static int BuildPerLayerInputs(ReadOnlySpan<long> ids, long imageTokenId, IReadOnlyList<ReadOnlyMemory<float>> deepstackFeatures,
        int hidden, Span<float> perLayerInputs, int firstFeatureRow = 0)
    {
        var d = deepstackFeatures.Count;
        var width = d * hidden;
        if (perLayerInputs.Length < ids.Length * width) throw new ArgumentException($"per_layer_inputs holds {perLayerInputs.Length} values; {ids.Length}×{width} needed");
        perLayerInputs[..(ids.Length * width)].Clear();
        var row = firstFeatureRow;
        for (var s = 0; s < ids.Length; s++)
        {
            if (ids[s] != imageTokenId) continue;
            for (var j = 0; j < d; j++)
            {
                var source = deepstackFeatures[j].Span;
                if ((row + 1) * hidden > source.Length)
                    throw new ArgumentException($"the prompt has more image tokens than the {source.Length / hidden} rows of DeepStack feature {j}");
                source.Slice(row * hidden, hidden).CopyTo(perLayerInputs.Slice(s * width + j * hidden, hidden));
            }
            row++;
        }
        return row - firstFeatureRow;
    }
}
