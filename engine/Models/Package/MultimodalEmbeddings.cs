namespace VLOrleans.Engine.Models.Package;

/// <summary>One image's rows for the decoder: its features [rows, H] and its DeepStack blocks, each [rows, H].</summary>
public sealed record ImageFeatureBlock(ReadOnlyMemory<float> Features, IReadOnlyList<ReadOnlyMemory<float>> Deepstack);

/// <summary>
/// Host-side assembly of the decoder's multimodal inputs for one sequence (or one prefill chunk of it): image features
/// replace the embeddings at <c>&lt;|image_pad|&gt;</c> positions in order (transformers' masked_scatter) — the k-th pad
/// token takes row k of the prompt's images taken one after another — and the DeepStack features are laid out as
/// <c>per_layer_inputs</c> [S, D·H]: chunk d at the same positions, zeros elsewhere (QWEN_VL_FACTS.md §1.4, mobius
/// layout). A prefill chunk that starts inside an image passes <c>firstFeatureRow</c> = the pad tokens before it.
/// </summary>
public static class MultimodalEmbeddings
{
    /// <summary>
    /// Overwrites the rows of <paramref name="embeds"/> [S, H] at image-token positions of <paramref name="ids"/> with
    /// consecutive rows of <paramref name="images"/>, starting at row <paramref name="firstFeatureRow"/>. Returns the
    /// number of rows used.
    /// </summary>
    public static int ScatterImageFeatures(ReadOnlySpan<long> ids, long imageTokenId, IReadOnlyList<ImageFeatureBlock> images, int hidden,
        Span<float> embeds, int firstFeatureRow = 0)
    {
        var rows = new FeatureRows(images, hidden, firstFeatureRow);
        for (var s = 0; s < ids.Length; s++)
        {
            if (ids[s] != imageTokenId) continue;
            var (block, row) = rows.Next();
            block.Features.Span.Slice(row * hidden, hidden).CopyTo(embeds.Slice(s * hidden, hidden));
        }
        return rows.Used;
    }

    /// <summary>
    /// Fills <paramref name="perLayerInputs"/> [S, D·H]: zeros, and at image-token positions the matching row of each of
    /// the image's <paramref name="deepstackCount"/> DeepStack blocks in columns [d·H, (d+1)·H). Rows are taken from
    /// <paramref name="firstFeatureRow"/> on, as in <see cref="ScatterImageFeatures"/>. Returns the number of rows used.
    /// </summary>
    public static int BuildPerLayerInputs(ReadOnlySpan<long> ids, long imageTokenId, IReadOnlyList<ImageFeatureBlock> images, int deepstackCount,
        int hidden, Span<float> perLayerInputs, int firstFeatureRow = 0)
    {
        var width = deepstackCount * hidden;
        if (perLayerInputs.Length < ids.Length * width) throw new ArgumentException($"per_layer_inputs holds {perLayerInputs.Length} values; {ids.Length}×{width} needed");
        perLayerInputs[..(ids.Length * width)].Clear();
        var rows = new FeatureRows(images, hidden, firstFeatureRow);
        for (var s = 0; s < ids.Length; s++)
        {
            if (ids[s] != imageTokenId) continue;
            var (block, row) = rows.Next();
            if (block.Deepstack.Count < deepstackCount)
                throw new ArgumentException($"an image has {block.Deepstack.Count} DeepStack blocks; the decoder takes {deepstackCount}");
            for (var d = 0; d < deepstackCount; d++)
                block.Deepstack[d].Span.Slice(row * hidden, hidden).CopyTo(perLayerInputs.Slice(s * width + d * hidden, hidden));
        }
        return rows.Used;
    }

    /// <summary>Walks feature rows across the images in order, starting at a global row index.</summary>
    private struct FeatureRows
    {
        private readonly IReadOnlyList<ImageFeatureBlock> _images;
        private readonly int _hidden;
        private int _image;
        private int _row;

        public FeatureRows(IReadOnlyList<ImageFeatureBlock> images, int hidden, int firstRow)
        {
            _images = images;
            _hidden = hidden;
            _row = firstRow;
            Skip();
        }

        public int Used { get; private set; }

        public (ImageFeatureBlock Block, int Row) Next()
        {
            if (_image >= _images.Count)
                throw new ArgumentException($"the prompt has more image tokens than its {_images.Count} image(s) have feature rows");
            var current = (_images[_image], _row);
            _row++;
            Used++;
            Skip();
            return current;
        }

        private void Skip()
        {
            while (_image < _images.Count && _row >= _images[_image].Features.Length / _hidden)
            {
                _row -= _images[_image].Features.Length / _hidden;
                _image++;
            }
        }
    }
}
