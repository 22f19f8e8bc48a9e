using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    public void WriteBand(float* band, int width, int blockRow, float* image, float* rowScratch)
    {
        int p = _patch, m = _merge;
        long planeSize = (long)BandHeight * width;
        float* dst = image + (long)blockRow * _blockColumns * m * m * _rowLength;
        for (int blockCol = 0; blockCol < _blockColumns; blockCol++)
            for (int subRow = 0; subRow < m; subRow++)
                for (int subCol = 0; subCol < m; subCol++, dst += _rowLength)
                {
                    // One pixel_values row, built in an L1 scratch row: for each channel, T copies of the P×P patch
                    // at (subRow, blockCol·M + subCol); then streamed out (see Stream).
                    float* patchTopLeft = band + (long)subRow * p * width + (blockCol * m + subCol) * p;
                    float* row = rowScratch;
                    long frameStride = (long)p * p;
                    for (int c = 0; c < 3; c++, row += _temporal * frameStride)
                    {
                        float* src = patchTopLeft + c * planeSize;
                        for (int iy = 0; iy < p; iy++, src += width)
                            CopyRun(src, row + iy * p, p, _temporal, frameStride);
                    }
                    Stream(rowScratch, dst, _rowLength);
                }
        if (Sse.IsSupported) Sse.StoreFence();
    }

    /// <summary>Row length for the scratch row <see cref="WriteBand"/> needs.</summary>
    public int RowLength => _rowLength;

    // Non-temporal stores: pixel_values (50 MB for a 1920×1088 Qwen3 image) is written once and not read again here,
    // so skipping the read-for-ownership of each line halves the memory traffic.
    private static void Stream(float* src, float* dst, int count)
    {
        int i = 0;
        if (Avx.IsSupported)
        {
            for (; i < count && ((nint)(dst + i) & 31) != 0; i++) dst[i] = src[i];
            for (; i + 8 <= count; i += 8) Avx.StoreAlignedNonTemporal(dst + i, Avx.LoadVector256(src + i));
        }
        for (; i < count; i++) dst[i] = src[i];
    }

    // P is 14 or 16 in practice: 8-float vector stores (the last one overlapping when P is not a multiple of 8),
    // each value stored once per frame straight away — copying frame 0 afterwards re-read half-forwarded stores and
    // measured ~2× slower for P = 14.
    private static void CopyRun(float* src, float* dst, int count, int frames, long frameStride)
    {
        if (Vector256.IsHardwareAccelerated && count >= 8)
        {
            for (int i = 0; ; i += 8)
            {
                if (i + 8 > count) i = count - 8;
                var v = Vector256.Load(src + i);
                for (int t = 0; t < frames; t++) Vector256.Store(v, dst + t * frameStride + i);
                if (i + 8 >= count) return;
            }
        }
        for (int t = 0; t < frames; t++)
            for (int i = 0; i < count; i++) dst[t * frameStride + i] = src[i];
    }
}
