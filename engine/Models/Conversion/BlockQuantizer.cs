namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// Symmetric block quantisation in the layout of <c>com.microsoft.MatMulNBits</c> (onnxruntime docs/ContribOperators.md):
/// the weight is viewed as B[N, K] (HF's Linear [out, in] as stored, so no transpose is needed); each row is cut into
/// blocks of <c>blockSize</c> values along K (the last block zero-padded); a block becomes <c>blockSize·bits/8</c> bytes,
/// element k of the block in bits [k·bits, (k+1)·bits) counted from the low bit of the first byte (for 4 bits: even k in the
/// low nibble), and one float scale. No zero_points input is written, so ORT uses its default zero point 2^(bits−1)
/// (8 for 4-bit, 128 for 8-bit): w ≈ (q − 2^(bits−1))·scale.
/// </summary>
public sealed class BlockQuantizer
{
    public BlockQuantizer(int bits, int blockSize)
    {
        if (bits is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(bits), bits, "4 or 8");
        if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "a power of two ≥ 16");
        Bits = bits;
        BlockSize = blockSize;
    }

    public int Bits { get; }

    public int BlockSize { get; }

    public int ZeroPoint => 1 << (Bits - 1);

    /// <summary>Bytes per quantised block.</summary>
    public int BlobSize => BlockSize * Bits / 8;

    public int BlockCount(long k) => checked((int)((k + BlockSize - 1) / BlockSize));

    /// <summary>Bytes of one quantised row of K values.</summary>
    public int RowBytes(long k) => BlockCount(k) * BlobSize;

    /// <summary>Quantises one row of K values into <paramref name="packed"/> (<see cref="RowBytes"/>) and <paramref name="scales"/> (<see cref="BlockCount"/>).</summary>
    public void QuantizeRow(ReadOnlySpan<float> row, Span<byte> packed, Span<float> scales)
    {
        var blocks = BlockCount(row.Length);
        // Symmetric: the block's largest magnitude maps to ±(2^(bits−1) − 1), i.e. ±7 or ±127, so 0 stays exact.
        var qMax = ZeroPoint - 1;
        var mask = (1 << Bits) - 1;
        packed[..RowBytes(row.Length)].Clear();
        for (var b = 0; b < blocks; b++)
        {
            var start = b * BlockSize;
            var block = row.Slice(start, Math.Min(BlockSize, row.Length - start));
            var amax = 0f;
            foreach (var v in block) amax = Math.Max(amax, Math.Abs(v));
            var scale = amax / qMax;
            scales[b] = scale;
            var inverse = scale == 0 ? 0 : 1 / scale;
            var blob = packed.Slice(b * BlobSize, BlobSize);
            for (var k = 0; k < BlockSize; k++)
            {
                var value = k < block.Length ? block[k] : 0f;
                var q = (int)MathF.Round(value * inverse, MidpointRounding.ToEven) + ZeroPoint;
                q = Math.Clamp(q, 0, mask);
                if (Bits == 8) blob[k] = (byte)q;
                else blob[k >> 1] |= (byte)(q << ((k & 1) * 4));
            }
        }
    }

    /// <summary>The inverse of <see cref="QuantizeRow"/>: w = (q − zero point)·scale (for tests and error reports).</summary>
    public void DequantizeRow(ReadOnlySpan<byte> packed, ReadOnlySpan<float> scales, Span<float> row)
    {
        for (var k = 0; k < row.Length; k++)
        {
            var b = k / BlockSize;
            var i = k % BlockSize;
            var blob = packed.Slice(b * BlobSize, BlobSize);
            var q = Bits == 8 ? blob[i] : (blob[i >> 1] >> ((i & 1) * 4)) & 0xF;
            row[k] = (q - ZeroPoint) * scales[b];
        }
    }
}
