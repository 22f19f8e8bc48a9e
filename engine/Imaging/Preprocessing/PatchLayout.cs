using System.Runtime.Intrinsics;

namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Writes one merge-block row of the resized, normalised image into <c>pixel_values</c>. HF's flattening,
/// <c>reshape(t, T, C, gh/M, M, P, gw/M, M, P).permute(0,3,6,4,7,2,1,5,8)</c>, orders rows
/// (t, block_row, block_col, sub_row, sub_col) — the M×M patches of one merge group are consecutive — and each
/// row's values (c, frame, y, x). So the M·P image rows of one block row fill one CONTIGUOUS stretch of
/// gw·M pixel_values rows; writing that stretch front to back touches each output cache line once (writing the
/// image row by row instead scatters 56/64-byte runs over 1.5 MB and measured ~4× slower: 20 ms vs ~5 ms for
/// Qwen3 at 1920×1088, since the stretch does not stay in L2 between rows).
/// </summary>
internal sealed unsafe class PatchLayout
{
    private readonly int _patch;
    private readonly int _merge;
    private readonly int _temporal;
    private readonly int _rowLength;
    private readonly int _blockColumns;

    public PatchLayout(QwenPreprocessorConfig config, int resizedWidth)
    {
        _patch = config.PatchSize;
        _merge = config.MergeSize;
        _temporal = config.TemporalPatchSize;
        _rowLength = config.RowLength;
        _blockColumns = resizedWidth / _patch / _merge;
    }

    /// <summary>Image rows per block row (M·P).</summary>
    public int BandHeight => _merge * _patch;

    /// <summary>
    /// <paramref name="band"/>: the block row's normalised values as 3 planes [c][M·P rows][<paramref name="width"/>].
    /// Writes pixel_values rows for block row <paramref name="blockRow"/> of the image starting at <paramref name="image"/>.
    /// </summary>
    public void WriteBand(float* band, int width, int blockRow, float* image)
    {
        int p = _patch, m = _merge;
        long planeSize = (long)BandHeight * width;
        float* dst = image + (long)blockRow * _blockColumns * m * m * _rowLength;
        for (int blockCol = 0; blockCol < _blockColumns; blockCol++)
            for (int subRow = 0; subRow < m; subRow++)
                for (int subCol = 0; subCol < m; subCol++)
                {
                    // One pixel_values row: for each channel, T copies of the P×P patch at (subRow, blockCol·M + subCol).
                    float* patchTopLeft = band + (long)subRow * p * width + (blockCol * m + subCol) * p;
                    for (int c = 0; c < 3; c++)
                    {
                        float* frameStart = dst;
                        float* src = patchTopLeft + c * planeSize;
                        for (int iy = 0; iy < p; iy++, src += width, dst += p)
                            CopyRun(src, dst, p);
                        for (int t = 1; t < _temporal; t++, dst += p * p)
                            new ReadOnlySpan<float>(frameStart, p * p).CopyTo(new Span<float>(dst, p * p));
                    }
                }
    }

    // P is 14 or 16 in practice: 8-float vector stores, the last one overlapping when P is not a multiple of 8.
    private static void CopyRun(float* src, float* dst, int count)
    {
        if (Vector256.IsHardwareAccelerated && count >= 8)
        {
            int i = 0;
            for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
            if (i < count) Vector256.Store(Vector256.Load(src + count - 8), dst + count - 8);
            return;
        }
        for (int i = 0; i < count; i++) dst[i] = src[i];
    }
}
