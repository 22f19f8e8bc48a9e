using System.Buffers;
using System.Numerics.Tensors;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Onnx.CustomOps;

namespace VLOrleans.Engine.Generation.Attention;

/// <summary>
/// <c>vlorleans.DecodeAttention</c>: a drop-in for <c>com.microsoft.GroupQueryAttention</c> (do_rotary = 0) over a float16
/// cache in place, with the same inputs and outputs — query [B,S,Hq·D], key and value [B,S,Hkv·D], past key/value
/// [B,Hkv,Max,D], seqlens_k [B] (each row's total length − 1), total_sequence_length; out [B,S,Hq·D] and present
/// key/value. Written for the decode step (S = 1, rows with different lengths): ORT's kernel makes two small SGEMM calls
/// per row and query head, converting and packing that head's keys each time (2b, 8 rows, 330 cached tokens: 28 nodes
/// take 64–97 ms). This one handles a row's KV head once for all of its query heads, in one pass over keys and values,
/// split over the intra-op threads by (row, KV head). Longer S is computed correctly (causal) but not fast; prefill
/// keeps GroupQueryAttention.
/// </summary>
public sealed class DecodeAttentionOp : OnnxCustomOp
{
    public const string Domain = "vlorleans";
    public const string OpName = "DecodeAttention";

    private static readonly OnnxElementType F16 = OnnxElementType.Float16;

    public static OnnxCustomOpDomain Operators { get; } = new(Domain, new DecodeAttentionOp());

    /// <summary><paramref name="options"/> that can also load graphs using this op (the decode-step graphs).</summary>
    public static OnnxSessionOptions Enable(OnnxSessionOptions options) => options with { CustomOpDomains = [.. options.CustomOpDomains, Operators] };

    public override string Name => OpName;

    public override IReadOnlyList<OnnxElementType> InputTypes { get; } = [F16, F16, F16, F16, F16, OnnxElementType.Int32, OnnxElementType.Int32];

    public override IReadOnlyList<OnnxElementType> OutputTypes { get; } = [F16, F16, F16];

    public override void Compute(OnnxKernelContext context)
    {
        var query = context.Input(0);
        var key = context.Input(1);
        var value = context.Input(2);
        var pastKey = context.Input(3);
        var pastValue = context.Input(4);
        var seqlens = context.Input(5).As<int>();
        var shape = Shape.Of(query, key, pastKey);
        if (pastValue.Shape.SequenceEqual(pastKey.Shape) is false || value.Shape.SequenceEqual(key.Shape) is false)
            throw new ArgumentException("past_value must have past_key's shape and value key's");
        if (seqlens.Length != shape.Rows) throw new ArgumentException($"seqlens_k has {seqlens.Length} entries for {shape.Rows} rows");
        var lengths = new int[shape.Rows];
        for (var b = 0; b < shape.Rows; b++)
        {
            lengths[b] = seqlens[b] + 1;
            if (lengths[b] < shape.NewTokens || lengths[b] > shape.MaxLength)
                throw new ArgumentException($"row {b}: total length {lengths[b]} must be within {shape.NewTokens}..{shape.MaxLength}");
        }

        var output = context.Output(0, shape.Rows, shape.NewTokens, shape.QueryHeads * shape.HeadDim);
        var presentKey = context.Output(1, [.. pastKey.Shape]);
        var presentValue = context.Output(2, [.. pastValue.Shape]);
        var work = new Work(shape, lengths, query, key, value, pastKey, pastValue, output, presentKey, presentValue);
        context.ParallelFor(shape.Rows * shape.KvHeads, work.Run);
    }

    /// <summary>Sizes read from the inputs and checked against each other.</summary>
    private readonly record struct Shape(int Rows, int NewTokens, int QueryHeads, int KvHeads, int MaxLength, int HeadDim)
    {
        public static Shape Of(OnnxKernelTensor query, OnnxKernelTensor key, OnnxKernelTensor past)
        {
            if (query.Shape.Count != 3 || key.Shape.Count != 3 || past.Shape.Count != 4) throw new ArgumentException("expected query/key [B,S,H·D] and past [B,Hkv,Max,D]");
            var (rows, s, kvHeads, max, dim) = ((int)past.Shape[0], (int)query.Shape[1], (int)past.Shape[1], (int)past.Shape[2], (int)past.Shape[3]);
            if (query.Shape[0] != rows || key.Shape[0] != rows || key.Shape[1] != s) throw new ArgumentException("query, key and past disagree on rows or tokens");
            if (key.Shape[2] != kvHeads * dim) throw new ArgumentException($"key width {key.Shape[2]} is not {kvHeads} heads × {dim}");
            if (query.Shape[2] % (kvHeads * dim) != 0) throw new ArgumentException($"query width {query.Shape[2]} is not a multiple of {kvHeads} × {dim}");
            return new Shape(rows, s, (int)(query.Shape[2] / dim), kvHeads, max, dim);
        }

        public int Group => QueryHeads / KvHeads;
    }

    private sealed class Work(Shape shape, int[] lengths, OnnxKernelTensor query, OnnxKernelTensor key, OnnxKernelTensor value,
        OnnxKernelTensor pastKey, OnnxKernelTensor pastValue, OnnxKernelTensor output, OnnxKernelTensor presentKey, OnnxKernelTensor presentValue)
    {
        private readonly float _scale = 1 / MathF.Sqrt(shape.HeadDim);

        /// <summary>Row b = item / Hkv, KV head h = item % Hkv: store the new keys/values, then attend every query head of
        /// the group for every new token.</summary>
        public void Run(int item)
        {
            var (b, h) = (item / shape.KvHeads, item % shape.KvHeads);
            var d = shape.HeadDim;
            var total = lengths[b];
            var past = total - shape.NewTokens;
            var slab = (long)shape.MaxLength * d;
            var offset = ((long)b * shape.KvHeads + h) * slab;
            var keys = presentKey.As<Half>().Slice(checked((int)offset), checked((int)slab));
            var values = presentValue.As<Half>().Slice(checked((int)offset), checked((int)slab));
            // ORT hands back the caller's buffer when present is bound to past's memory (the engine's in-place cache);
            // otherwise the cached part is copied over first.
            if (!presentKey.SharesMemoryWith(pastKey)) pastKey.As<Half>().Slice((int)offset, past * d).CopyTo(keys);
            if (!presentValue.SharesMemoryWith(pastValue)) pastValue.As<Half>().Slice((int)offset, past * d).CopyTo(values);
            var width = shape.KvHeads * d;
            for (var s = 0; s < shape.NewTokens; s++)
            {
                var source = ((long)b * shape.NewTokens + s) * width + h * d;
                key.As<Half>().Slice((int)source, d).CopyTo(keys.Slice((past + s) * d, d));
                value.As<Half>().Slice((int)source, d).CopyTo(values.Slice((past + s) * d, d));
            }

            var group = shape.Group;
            var pool = ArrayPool<float>.Shared;
            var scores = pool.Rent(group * total);
            var q = pool.Rent(group * d);
            var acc = pool.Rent(group * d);
            try
            {
                for (var s = 0; s < shape.NewTokens; s++)
                {
                    var visible = past + s + 1; // causal: token s sees the cache up to and including itself
                    var qRow = ((long)b * shape.NewTokens + s) * shape.QueryHeads * d;
                    TensorPrimitives.ConvertToSingle(query.As<Half>().Slice((int)qRow + h * group * d, group * d), q.AsSpan(0, group * d));
                    Attend(keys, values, visible, group, q, scores, acc);
                    var outRow = output.As<Half>().Slice((int)qRow + h * group * d, group * d);
                    TensorPrimitives.ConvertToHalf(acc.AsSpan(0, group * d), outRow);
                }
            }
            finally
            {
                pool.Return(scores);
                pool.Return(q);
                pool.Return(acc);
            }
        }

        /// <summary>acc[g] = softmax(scale · q[g]·Kᵀ) · V over the first <paramref name="visible"/> keys, for each of the
        /// group's query heads; keys and values are read (and converted) once for the whole group.</summary>
        private void Attend(Span<Half> keys, Span<Half> values, int visible, int group, float[] q, float[] scores, float[] acc)
        {
            var d = shape.HeadDim;
            HalfRows.Scores(keys[..(visible * d)], visible, d, q, group, _scale, scores, visible);
            for (var g = 0; g < group; g++)
            {
                var row = scores.AsSpan(g * visible, visible);
                var max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
            }
            acc.AsSpan(0, group * d).Clear();
            HalfRows.Accumulate(values[..(visible * d)], visible, d, scores, group, visible, acc);
        }
    }
}
