using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Text;

/// <summary>
/// M-RoPE position ids, Hugging Face's <c>get_rope_index</c> (QWEN_VL_FACTS.md §2.6) for Qwen2-VL, Qwen2.5-VL and
/// Qwen3-VL. Text tokens advance all three planes together; the tokens of one image (or video frame group) share a
/// base and take T = base + temporal index, H = base + row, W = base + column over the merged grid; the text after
/// it continues at (max position so far) + 1. So a 16×16-patch image (8×8 tokens) spends 64 tokens but only 8
/// positions, which is why the rope delta is negative and decode positions are cache length + delta.
/// Families differ only for video: Qwen2-VL T = frame index; Qwen2.5-VL T = floor(frame · second_per_grid_t ·
/// tokens_per_second); Qwen3-VL gives each frame its own grid of t = 1 (one vision block per frame in the prompt).
/// </summary>
public static class RopeIndex
{
    /// <summary>Options read from the model's config.json.</summary>
    /// <param name="SpatialMergeSize">vision_config.spatial_merge_size (2 in every released model).</param>
    /// <param name="TokensPerSecond">vision_config.tokens_per_second (Qwen2.5-VL video only; 2 in the released configs).</param>
    public sealed record Options(int SpatialMergeSize = 2, double TokensPerSecond = 2.0)
    {
        public static Options Default { get; } = new();
    }

    /// <summary>
    /// Positions for a padded batch. <paramref name="inputIds"/> and <paramref name="attentionMask"/> are [B, S]
    /// row-major (mask 1 = real token, 0 = padding, left or right). Image grids are consumed in order across the
    /// whole batch (row 0's images first), one per block of <c>&lt;|image_pad|&gt;</c> tokens, which must already be
    /// expanded (<see cref="ImagePlaceholderExpander"/>). <paramref name="secondsPerGridT"/>: one per video
    /// (Qwen2.5-VL; default 1.0 each). Throws <see cref="TextException"/> on shape/grid mismatches.
    /// </summary>
    public static RopePositions Compute(QwenVlFamily family, ReadOnlySpan<int> inputIds, int batchSize, ReadOnlySpan<int> attentionMask,
        IReadOnlyList<GridThw>? imageGrids = null, IReadOnlyList<GridThw>? videoGrids = null,
        IReadOnlyList<double>? secondsPerGridT = null, Options? options = null)
    {
        options ??= Options.Default;
        if (batchSize <= 0 || inputIds.Length % batchSize != 0)
            throw new TextException(TextErrorCode.InvalidShape, $"{inputIds.Length} ids do not split into {batchSize} rows.");
        if (!attentionMask.IsEmpty && attentionMask.Length != inputIds.Length)
            throw new TextException(TextErrorCode.InvalidShape, $"Attention mask has {attentionMask.Length} entries for {inputIds.Length} ids.");
        var seqLen = inputIds.Length / batchSize;

        var blocks = new VisionBlocks(family, imageGrids ?? [], ExpandVideoGrids(family, videoGrids ?? []), secondsPerGridT, options);
        var positions = new long[3L * batchSize * seqLen];
        Array.Fill(positions, 1L);
        var deltas = new long[batchSize];

        var rowIds = new int[seqLen];
        var rowT = new long[seqLen];
        var rowH = new long[seqLen];
        var rowW = new long[seqLen];
        for (var b = 0; b < batchSize; b++)
        {
            // the row's real tokens, in order (padding skipped)
            var n = 0;
            for (var s = 0; s < seqLen; s++)
                if (attentionMask.IsEmpty || attentionMask[b * seqLen + s] == 1) rowIds[n++] = inputIds[b * seqLen + s];

            var next = ComputeRow(rowIds.AsSpan(0, n), 0, ref blocks, rowT, rowH, rowW);

            var k = 0;
            for (var s = 0; s < seqLen; s++)
            {
                if (!attentionMask.IsEmpty && attentionMask[b * seqLen + s] != 1) continue;
                positions[(0L * batchSize + b) * seqLen + s] = rowT[k];
                positions[(1L * batchSize + b) * seqLen + s] = rowH[k];
                positions[(2L * batchSize + b) * seqLen + s] = rowW[k];
                k++;
            }
            // next = max position + 1 (0 for an empty row)
            deltas[b] = next - seqLen;
        }
        blocks.EnsureAllUsed();
        return new RopePositions(positions, deltas, batchSize, seqLen);
    }

    /// <summary>Positions of one unpadded sequence (B = 1, no mask).</summary>
    public static RopePositions Compute(QwenVlFamily family, ReadOnlySpan<int> inputIds, IReadOnlyList<GridThw>? imageGrids = null,
        IReadOnlyList<GridThw>? videoGrids = null, IReadOnlyList<double>? secondsPerGridT = null, Options? options = null) =>
        Compute(family, inputIds, 1, [], imageGrids, videoGrids, secondsPerGridT, options);

    /// <summary>
    /// Positions for tokens appended to a sequence whose next free position is <paramref name="startPosition"/>
    /// (= cache length + rope delta of that sequence): a follow-up turn prefilled onto a kept KV cache. Writes the
    /// three planes for each id and returns the next free position (the new cache length + new delta).
    /// </summary>
    public static long ComputeContinuation(QwenVlFamily family, ReadOnlySpan<int> ids, long startPosition, IReadOnlyList<GridThw>? imageGrids,
        Span<long> temporal, Span<long> height, Span<long> width, Options? options = null)
    {
        if (temporal.Length < ids.Length || height.Length < ids.Length || width.Length < ids.Length)
            throw new TextException(TextErrorCode.InvalidShape, $"Position buffers are shorter than the {ids.Length} ids.");
        var blocks = new VisionBlocks(family, imageGrids ?? [], [], null, options ?? Options.Default);
        var next = ComputeRow(ids, startPosition, ref blocks, temporal, height, width);
        blocks.EnsureAllUsed();
        return next;
    }

    /// <summary>Decode-step position (same on all three planes): cache length (padded slots included) + rope delta.</summary>
    public static long DecodePosition(long cacheLength, long ropeDelta) => cacheLength + ropeDelta;

    /// <summary>
    /// Decode-step <c>position_ids</c> [3, B, 1] for rows with their own cache lengths: writes
    /// cacheLengths[b] + ropeDeltas[b] at [d, b] for d = 0, 1, 2 into <paramref name="destination"/> (length 3·B).
    /// </summary>
    public static void DecodePositions(ReadOnlySpan<long> cacheLengths, ReadOnlySpan<long> ropeDeltas, Span<long> destination)
    {
        var batch = cacheLengths.Length;
        if (ropeDeltas.Length != batch || destination.Length < 3 * batch)
            throw new TextException(TextErrorCode.InvalidShape, $"Decode positions need {batch} deltas and room for {3 * batch} values.");
        for (var b = 0; b < batch; b++)
        {
            var p = cacheLengths[b] + ropeDeltas[b];
            destination[b] = p;
            destination[batch + b] = p;
            destination[2 * batch + b] = p;
        }
    }

    // One row: text advances all planes; a run of pads is one vision block positioned on its merged grid.
    private static long ComputeRow(ReadOnlySpan<int> ids, long start, ref VisionBlocks blocks, Span<long> t, Span<long> h, Span<long> w)
    {
        var next = start;
        var i = 0;
        while (i < ids.Length)
        {
            var id = ids[i];
            if (id is not (SpecialTokens.ImagePad or SpecialTokens.VideoPad))
            {
                t[i] = h[i] = w[i] = next++;
                i++;
                continue;
            }

            var (gt, gh, gw, timeScale) = blocks.Take(id == SpecialTokens.VideoPad);
            var count = gt * gh * gw;
            if (i + count > ids.Length || ids.Slice(i, count).ContainsAnyExcept(id))
                throw new TextException(TextErrorCode.PlaceholderCountMismatch,
                    $"A vision block at token {i} needs {count} consecutive pads for its grid; expand the placeholders first.");
            long maxT = 0;
            for (var a = 0; a < gt; a++)
            {
                // Qwen2.5-VL video: temporal index in seconds-scaled units, truncated like torch's .long()
                long ta = timeScale < 0 ? a : (long)Math.Floor(a * timeScale);
                maxT = Math.Max(maxT, ta);
                for (var r = 0; r < gh; r++)
                {
                    for (var c = 0; c < gw; c++)
                    {
                        t[i] = next + ta;
                        h[i] = next + r;
                        w[i] = next + c;
                        i++;
                    }
                }
            }
            next += Math.Max(maxT, Math.Max(gh - 1, gw - 1)) + 1;
        }
        return next;
    }

    // Qwen3-VL: a video of t temporal patches is t blocks of (1, h, w) — one per frame, each after its own timestamp text.
    private static IReadOnlyList<GridThw> ExpandVideoGrids(QwenVlFamily family, IReadOnlyList<GridThw> videoGrids)
    {
        if (family != QwenVlFamily.Qwen3Vl || videoGrids.Count == 0) return videoGrids;
        var frames = new List<GridThw>();
        foreach (var g in videoGrids)
        {
            g.Validate();
            for (var k = 0; k < g.T; k++) frames.Add(new GridThw(1, g.H, g.W));
        }
        return frames;
    }

    /// <summary>Hands out grids in order across the batch, as the reference's global image/video counters do.</summary>
    private struct VisionBlocks(QwenVlFamily family, IReadOnlyList<GridThw> images, IReadOnlyList<GridThw> videos,
        IReadOnlyList<double>? secondsPerGridT, Options options)
    {
        private int _image;
        private int _video;

        /// <summary>Merged grid and temporal scale (-1: T index = frame index; else multiply the frame index).</summary>
        public (int Gt, int Gh, int Gw, double TimeScale) Take(bool isVideo)
        {
            var list = isVideo ? videos : images;
            var index = isVideo ? _video++ : _image++;
            if (index >= list.Count)
                throw new TextException(TextErrorCode.PlaceholderCountMismatch,
                    $"The ids hold more {(isVideo ? "video" : "image")} blocks than the {list.Count} grids given.");
            var g = list[index];
            var m = options.SpatialMergeSize;
            g.Validate(m);
            var scale = -1.0;
            if (family == QwenVlFamily.Qwen25Vl)
                scale = isVideo ? (secondsPerGridT is not null && index < secondsPerGridT.Count ? secondsPerGridT[index] : 1.0) * options.TokensPerSecond : 0.0;
            return (g.T, g.H / m, g.W / m, scale);
        }

        public readonly void EnsureAllUsed()
        {
            if (_image != images.Count || _video != videos.Count)
                throw new TextException(TextErrorCode.PlaceholderCountMismatch,
                    $"The ids hold {_image} image and {_video} video blocks but {images.Count} image and {videos.Count} video grids were given.");
        }
    }
}
