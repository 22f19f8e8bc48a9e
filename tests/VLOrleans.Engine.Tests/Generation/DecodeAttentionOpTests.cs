using VLOrleans.Engine.Generation.Attention;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.Tests.Onnx;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The C# decode attention (<see cref="DecodeAttentionOp"/>) run by ONNX Runtime as a custom op, against plain attention
/// in double and against ORT's own GroupQueryAttention on the same float16 inputs: ragged rows, new keys/values stored in
/// place (present bound to past's memory), garbage beyond each row never attended, several new tokens attending causally.
/// </summary>
public sealed class DecodeAttentionOpTests
{
    private const int Heads = 4, KvHeads = 2, HeadSize = 64, MaxLen = 24; // 64: the 512-bit path (multiples of 32) runs
    private const int Hidden = Heads * HeadSize, KvHidden = KvHeads * HeadSize;
    private static readonly Half Garbage = (Half)500f;

    [Theory]
    [InlineData(3, 1, 2)] // decode steps: 3 rows of different lengths, 2 threads
    [InlineData(1, 3, 1)] // a 3-token chunk after a cached past: causal within the chunk
    public void MatchesPlainAttentionAndGroupQueryAttentionAndUpdatesTheCacheInPlace(int rows, int tokens, int threads)
    {
        var random = new Random(11);
        var past = Enumerable.Range(0, rows).Select(b => 5 + 4 * b).ToArray();
        var (keys, values) = (Cache(random, past), Cache(random, past));
        var query = Halves(random, rows * tokens * Hidden);
        var key = Halves(random, rows * tokens * KvHidden);
        var value = Halves(random, rows * tokens * KvHidden);

        var (ours, ourKeys, ourValues) = Run(Model(custom: true), threads, rows, tokens, past, query, key, value, keys, values);
        var (theirs, _, _) = Run(Model(custom: false), threads, rows, tokens, past, query, key, value, keys, values);

        // Reference: the cache with the new keys/values stored after each row's past, then causal attention in double.
        var (expectedKeys, expectedValues) = ((Half[])keys.Clone(), (Half[])values.Clone());
        for (var b = 0; b < rows; b++)
            for (var s = 0; s < tokens; s++)
                for (var h = 0; h < KvHeads; h++)
                    for (var d = 0; d < HeadSize; d++)
                    {
                        var source = (b * tokens + s) * KvHidden + h * HeadSize + d;
                        expectedKeys[CacheIndex(b, h, past[b] + s, d)] = key[source];
                        expectedValues[CacheIndex(b, h, past[b] + s, d)] = value[source];
                    }
        Assert.Equal(expectedKeys, ourKeys);
        Assert.Equal(expectedValues, ourValues);
        var expected = Attend(rows, tokens, past, query, expectedKeys, expectedValues);
        PlainMath.AssertClose(expected, ours.Select(h => (float)h).ToArray(), 2e-3); // float16 output rounding
        PlainMath.AssertClose(theirs.Select(h => (double)h).ToArray(), ours.Select(h => (float)h).ToArray(), 2e-3);
    }

    [Fact]
    public void ARowLongerThanTheCacheFailsTheRunWithAClearMessage()
    {
        var random = new Random(3);
        int[] past = [MaxLen]; // one more token would not fit
        var error = Assert.Throws<OnnxRuntimeException>(() => Run(Model(custom: true), 1, 1, 1, past, Halves(random, Hidden), Halves(random, KvHidden),
            Halves(random, KvHidden), Cache(random, [0]), Cache(random, [0])));
        Assert.Contains("total length 25 must be within 1..24", error.Message);
    }

    private static (Half[] Output, Half[] Keys, Half[] Values) Run(byte[] model, int threads, int rows, int tokens, int[] past,
        Half[] query, Half[] key, Half[] value, Half[] keys, Half[] values)
    {
        // Fresh pinned copies: each run updates its own cache in place.
        keys = GC.AllocateArray<Half>(keys.Length, pinned: true).Also(keys);
        values = GC.AllocateArray<Half>(values.Length, pinned: true).Also(values);
        using var session = OnnxSession.Load(model, new OnnxSessionOptions { IntraOpThreadCount = threads, CustomOpDomains = [DecodeAttentionOp.Operators] });
        using var pastKey = OnnxValue.CreateTensor(keys.AsMemory(), rows, KvHeads, MaxLen, HeadSize);
        using var pastValue = OnnxValue.CreateTensor(values.AsMemory(), rows, KvHeads, MaxLen, HeadSize);
        using var presentKey = OnnxValue.CreateTensor(keys.AsMemory(), rows, KvHeads, MaxLen, HeadSize);
        using var presentValue = OnnxValue.CreateTensor(values.AsMemory(), rows, KvHeads, MaxLen, HeadSize);
        using var q = OnnxValue.CreateTensor(query.AsMemory(), rows, tokens, Hidden);
        using var k = OnnxValue.CreateTensor(key.AsMemory(), rows, tokens, KvHidden);
        using var v = OnnxValue.CreateTensor(value.AsMemory(), rows, tokens, KvHidden);
        using var seqlens = OnnxValue.CreateTensor(past.Select(p => p + tokens - 1).ToArray().AsMemory(), rows);
        using var total = OnnxValue.CreateTensor(new[] { past.Max() + tokens }.AsMemory());
        var outputs = new OnnxValue?[] { null, presentKey, presentValue };
        session.Run(["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length"],
            [q, k, v, pastKey, pastValue, seqlens, total], ["output", "present_key", "present_value"], outputs);
        using var output = outputs[0]!;
        return (output.ToArray<Half>(), keys, values);
    }

    private static byte[] Model(bool custom)
    {
        using var builder = OnnxModelBuilder.InMemory();
        var f16 = OnnxElementType.Float16;
        builder.AddInput("query", f16, "batch", "seq", Hidden);
        builder.AddInput("key", f16, "batch", "seq", KvHidden);
        builder.AddInput("value", f16, "batch", "seq", KvHidden);
        builder.AddInput("past_key", f16, "batch", KvHeads, "max_len", HeadSize);
        builder.AddInput("past_value", f16, "batch", KvHeads, "max_len", HeadSize);
        builder.AddInput("seqlens_k", OnnxElementType.Int32, "batch");
        builder.AddInput("total_sequence_length", OnnxElementType.Int32);
        builder.AddOutput("output", f16, "batch", "seq", Hidden);
        builder.AddOutput("present_key", f16, "batch", KvHeads, "max_len", HeadSize);
        builder.AddOutput("present_value", f16, "batch", KvHeads, "max_len", HeadSize);
        builder.AddNode(custom ? DecodeAttentionOp.OpName : "GroupQueryAttention",
            ["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length"],
            ["output", "present_key", "present_value"],
            [OnnxAttribute.Int("num_heads", Heads), OnnxAttribute.Int("kv_num_heads", KvHeads), OnnxAttribute.Int("do_rotary", 0)],
            domain: custom ? DecodeAttentionOp.Domain : OnnxModelBuilder.MicrosoftDomain);
        return builder.ToBytes();
    }

    /// <summary>Causal attention in double: token s of row b sees positions 0..past[b]+s; query head h uses KV head h / 2.</summary>
    private static double[] Attend(int rows, int tokens, int[] past, Half[] query, Half[] keys, Half[] values)
    {
        var output = new double[rows * tokens * Hidden];
        for (var b = 0; b < rows; b++)
            for (var s = 0; s < tokens; s++)
                for (var h = 0; h < Heads; h++)
                {
                    var kv = h / (Heads / KvHeads);
                    var count = past[b] + s + 1;
                    var scores = new double[count];
                    var q = (b * tokens + s) * Hidden + h * HeadSize;
                    for (var p = 0; p < count; p++)
                    {
                        double dot = 0;
                        for (var d = 0; d < HeadSize; d++) dot += (double)query[q + d] * (double)keys[CacheIndex(b, kv, p, d)];
                        scores[p] = dot / Math.Sqrt(HeadSize);
                    }
                    var weights = PlainMath.SoftmaxRows(scores, count);
                    for (var d = 0; d < HeadSize; d++)
                    {
                        double sum = 0;
                        for (var p = 0; p < count; p++) sum += weights[p] * (double)values[CacheIndex(b, kv, p, d)];
                        output[q + d] = sum;
                    }
                }
        return output;
    }

    private static Half[] Cache(Random random, int[] past)
    {
        var cache = new Half[past.Length * KvHeads * MaxLen * HeadSize];
        for (var i = 0; i < cache.Length; i++)
        {
            var (b, p) = (i / (KvHeads * MaxLen * HeadSize), i / HeadSize % MaxLen);
            cache[i] = b < past.Length && p < past[b] ? (Half)(random.NextDouble() * 2 - 1) : Garbage;
        }
        return cache;
    }

    private static Half[] Halves(Random random, int count) => PlainMath.Uniform(random, count, -1f, 1f).Select(f => (Half)f).ToArray();

    private static int CacheIndex(int b, int h, int p, int d) => ((b * KvHeads + h) * MaxLen + p) * HeadSize + d;
}

internal static class ArrayFillExtensions
{
    /// <summary>Copies <paramref name="source"/> into the array and returns it (for one-line pinned copies).</summary>
    public static T[] Also<T>(this T[] array, ReadOnlySpan<T> source)
    {
        source.CopyTo(array);
        return array;
    }
}
