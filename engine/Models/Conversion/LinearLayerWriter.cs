using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// Writes a Hugging Face Linear (<c>weight</c> [out, in], optional <c>bias</c> [out]) as graph nodes in one of the
/// <see cref="WeightFormat"/>s, streaming the weight from the memory-mapped checkpoint into the external-data file
/// one block at a time (at most <see cref="BlockBytes"/> of scratch per call, whatever the matrix size):
/// <list type="bullet">
/// <item>fp32 / fp16: <c>MatMul(x, Wᵀ)</c> with Wᵀ [in, out] (MatMul wants B as [K, N]); the transpose is done here,
/// <see cref="ColumnsPerBlock"/> input columns at a time. fp16 adds a Cast to float after the initializer.</item>
/// <item>int8 / int4: <c>com.microsoft.MatMulNBits</c>, whose B is [N, K] in blocks along K — HF's own layout, so rows
/// stream straight through the <see cref="BlockQuantizer"/> with no transpose.</item>
/// <item>w8a8: <c>com.microsoft.DynamicQuantizeMatMul</c> with B int8 [K, N] and one scale per column
/// (<see cref="ColumnQuantizer"/>): a first pass over W's rows finds the scales, a second writes the transposed int8
/// blocks. The bias goes into the op's own bias input.</item>
/// </list>
/// The bias, when present, is otherwise a separate fp32 Add. The format of a layer is the caller's, else
/// <see cref="ConversionOptions.FormatOf"/> its name (so every family's builder gets the precise-layer rule).
/// </summary>
internal sealed class LinearLayerWriter
{
    /// <summary>Scratch bound per streamed block: 32 MiB keeps the converter's own memory far below the 2 GB tensors it writes.</summary>
    public const long BlockBytes = 32L << 20;

    private readonly CheckpointTensors _tensors;
    private readonly ConversionOptions _options;
    private readonly long _blockBytes;

    /// <param name="blockBytes">Scratch bound per streamed block (tests pass a small one to exercise block boundaries).</param>
    public LinearLayerWriter(CheckpointTensors tensors, ConversionOptions options, long blockBytes = BlockBytes)
    {
        _tensors = tensors;
        _options = options;
        _blockBytes = blockBytes;
    }

    /// <summary>Appends <c>y = x·Wᵀ (+ b)</c>; <paramref name="name"/> names the initializers (e.g. "layers.0.q_proj").</summary>
    public string Linear(GraphWriter g, string x, string name, string weight, string? bias, WeightFormat? format = null)
    {
        var fmt = format ?? _options.FormatOf(name);
        var (n, k) = _tensors.MatrixShape(weight);
        string y;
        switch (fmt)
        {
            case WeightFormat.W8A8:
                {
                    var scales = ColumnScales(weight, n, k);
                    using (var stream = new ChunkStream(TransposedInt8Blocks(weight, n, k, scales)))
                    {
                        g.Builder.AddInitializer(name + ".qweight", OnnxElementType.Int8, stream, k * n, k, n);
                    }
                    g.Builder.AddInitializer<float>(name + ".scales", scales, n);
                    var inputs = new List<string> { x, name + ".qweight", name + ".scales" };
                    if (bias is not null) inputs.AddRange(["", g.Floats(name + ".bias", _tensors.ReadSingle(bias), n)]);
                    return g.Op("DynamicQuantizeMatMul", inputs, domain: OnnxModelBuilder.MicrosoftDomain);
                }
            case WeightFormat.Fp32:
            case WeightFormat.Fp16:
                {
                    var type = fmt == WeightFormat.Fp32 ? OnnxElementType.Float : OnnxElementType.Float16;
                    var bytes = k * n * OnnxElementTypes.SizeOf(type);
                    using var stream = new ChunkStream(TransposedBlocks(weight, n, k, fmt == WeightFormat.Fp16));
                    var w = g.Builder.AddInitializer(name + ".weight", type, stream, bytes, k, n);
                    if (fmt == WeightFormat.Fp16) w = g.Cast(w, OnnxElementType.Float);
                    y = g.MatMul(x, w);
                    break;
                }
            default:
                {
                    var quantizer = new BlockQuantizer(fmt.QuantizedBits(), _options.BlockSize);
                    var blocks = quantizer.BlockCount(k);
                    var scales = new float[checked(n * blocks)];
                    using (var stream = new ChunkStream(QuantizedRows(weight, n, k, quantizer, scales)))
                    {
                        g.Builder.AddInitializer(name + ".qweight", OnnxElementType.UInt8, stream, n * quantizer.RowBytes(k), n, blocks, quantizer.BlobSize);
                    }
                    g.Builder.AddInitializer<float>(name + ".scales", scales, n, blocks);
                    y = g.Op("MatMulNBits", [x, name + ".qweight", name + ".scales"],
                    [
                        OnnxAttribute.Int("K", k), OnnxAttribute.Int("N", n), OnnxAttribute.Int("bits", quantizer.Bits),
                    OnnxAttribute.Int("block_size", quantizer.BlockSize), OnnxAttribute.Int("accuracy_level", _options.AccuracyLevel),
                ], OnnxModelBuilder.MicrosoftDomain);
                    break;
                }
        }
        if (bias is null) return y;
        return g.Add(y, g.Floats(name + ".bias", _tensors.ReadSingle(bias), n));
    }

    /// <summary>Input columns per transposed block: as many as fit <see cref="BlockBytes"/> of float32 output rows.</summary>
    private int ColumnsPerBlock(long n, long k) => (int)Math.Clamp(_blockBytes / 4 / n, 1, k);

    /// <summary>Wᵀ [K, N] in row blocks: block j holds rows k0..k0+c of Wᵀ, i.e. columns k0..k0+c of W, gathered by
    /// reading c contiguous values from each of W's N rows (sequential within a row, so page-cache friendly).</summary>
    private IEnumerable<ReadOnlyMemory<byte>> TransposedBlocks(string weight, long n, long k, bool toHalf)
    {
        var reader = _tensors.Reader(weight);
        var columns = ColumnsPerBlock(n, k);
        var elementSize = toHalf ? 2 : 4;
        var bytes = new byte[checked(columns * n * elementSize)];
        var row = new float[columns];
        for (long k0 = 0; k0 < k; k0 += columns)
        {
            var c = (int)Math.Min(columns, k - k0);
            if (toHalf)
            {
                var block = MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
                for (long r = 0; r < n; r++)
                {
                    reader.Read(r * k + k0, row.AsSpan(0, c));
                    for (var j = 0; j < c; j++) block[(int)(j * n + r)] = (Half)row[j];
                }
            }
            else
            {
                var block = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
                for (long r = 0; r < n; r++)
                {
                    reader.Read(r * k + k0, row.AsSpan(0, c));
                    for (var j = 0; j < c; j++) block[(int)(j * n + r)] = row[j];
                }
            }
            yield return bytes.AsMemory(0, (int)(c * n * elementSize));
        }
    }

    /// <summary>scale[n] = max|W[n, :]| / 127, read row block by row block.</summary>
    private float[] ColumnScales(string weight, long n, long k)
    {
        var reader = _tensors.Reader(weight);
        var rowsPerChunk = (int)Math.Clamp(_blockBytes / 4 / k, 1, n);
        var values = new float[checked(rowsPerChunk * k)];
        var scales = new float[n];
        for (long r0 = 0; r0 < n; r0 += rowsPerChunk)
        {
            var rows = (int)Math.Min(rowsPerChunk, n - r0);
            reader.Read(r0 * k, values.AsSpan(0, (int)(rows * k)));
            for (var r = 0; r < rows; r++) scales[r0 + r] = ColumnQuantizer.Scale(values.AsSpan((int)(r * k), (int)k));
        }
        return scales;
    }

    /// <summary>Bᵀ-quantised: int8 [K, N] in row blocks, B[k, n] = q(W[n, k], scale[n]); same gather as <see cref="TransposedBlocks"/>.</summary>
    private IEnumerable<ReadOnlyMemory<byte>> TransposedInt8Blocks(string weight, long n, long k, float[] scales)
    {
        var reader = _tensors.Reader(weight);
        var columns = (int)Math.Clamp(_blockBytes / n, 1, k);
        var bytes = new byte[checked(columns * n)];
        var row = new float[columns];
        for (long k0 = 0; k0 < k; k0 += columns)
        {
            var c = (int)Math.Min(columns, k - k0);
            for (long r = 0; r < n; r++)
            {
                reader.Read(r * k + k0, row.AsSpan(0, c));
                var scale = scales[r];
                for (var j = 0; j < c; j++) bytes[j * n + r] = (byte)ColumnQuantizer.Quantize(row[j], scale);
            }
            yield return bytes.AsMemory(0, (int)(c * n));
        }
    }

    /// <summary>Quantised rows of W [N, K] in blocks of rows; fills <paramref name="scales"/> [N, blocks] on the way.</summary>
    private IEnumerable<ReadOnlyMemory<byte>> QuantizedRows(string weight, long n, long k, BlockQuantizer quantizer, float[] scales)
    {
        var reader = _tensors.Reader(weight);
        var rowBytes = quantizer.RowBytes(k);
        var blocks = quantizer.BlockCount(k);
        var rowsPerChunk = (int)Math.Clamp(_blockBytes / 4 / k, 1, n);
        var values = new float[checked(rowsPerChunk * k)];
        var packed = new byte[rowsPerChunk * rowBytes];
        for (long r0 = 0; r0 < n; r0 += rowsPerChunk)
        {
            var rows = (int)Math.Min(rowsPerChunk, n - r0);
            reader.Read(r0 * k, values.AsSpan(0, (int)(rows * k)));
            for (var r = 0; r < rows; r++)
            {
                quantizer.QuantizeRow(values.AsSpan((int)(r * k), (int)k), packed.AsSpan(r * rowBytes, rowBytes),
                    scales.AsSpan((int)((r0 + r) * blocks), blocks));
            }
            yield return packed.AsMemory(0, rows * rowBytes);
        }
    }
}
