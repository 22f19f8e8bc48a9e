using System.Runtime.Intrinsics;

namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Where each resized pixel lands in <c>pixel_values</c>. HF's flattening,
/// <c>reshape(t, T, C, gh/M, M, P, gw/M, M, P).permute(0,3,6,4,7,2,1,5,8)</c>, orders rows
/// (t, block_row, block_col, sub_row, sub_col) — the M×M patches of one merge group are consecutive — and each
/// row's values (c, frame, y, x). So one output row of one channel is a run of P floats per patch column, written
/// T times (an image is one frame repeated to temporal_patch_size).
/// </summary>
internal sealed unsafe class PatchLayout
{
    private readonly int _patch;
    private readonly int _merge;
    private readonly int _temporal;
    private readonly int _rowLength;
    private readonly int _blockColumns;
    private readonly long[] _columnRowOffset;

    public PatchLayout(QwenPreprocessorConfig config, int resizedWidth)
    {
        _patch = config.PatchSize;
        _merge = config.MergeSize;
        _temporal = config.TemporalPatchSize;
        _rowLength = config.RowLength;
        int patchColumns = resizedWidth / _patch;
        _blockColumns = patchColumns / _merge;
        // Row contribution of patch column px: block_col·M·M + sub_col, in floats.
        _columnRowOffset = new long[patchColumns];
        for (int px = 0; px < patchColumns; px++)
            _columnRowOffset[px] = ((long)(px / _merge) * _merge * _merge + px % _merge) * _rowLength;
    }

    /// <summary>
    /// Writes <paramref name="values"/> (one resized row y of channel c, width floats) into an image's
    /// pixel_values starting at <paramref name="image"/>.
    /// </summary>
    public void WriteRow(float* values, int y, int channel, float* image)
    {
        int p = _patch;
        int py = y / p, iy = y % p;
        int blockRow = py / _merge, subRow = py % _merge;
        long rowBase = ((long)blockRow * _blockColumns * _merge * _merge + (long)subRow * _merge) * _rowLength;
        long inRow = ((long)channel * _temporal * p + iy) * p;
        long frameStride = (long)p * p;
        var offsets = _columnRowOffset;
        for (int px = 0; px < offsets.Length; px++)
        {
            float* src = values + px * p;
            float* dst = image + rowBase + offsets[px] + inRow;
            for (int t = 0; t < _temporal; t++, dst += frameStride)
                CopyRun(src, dst, p);
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
