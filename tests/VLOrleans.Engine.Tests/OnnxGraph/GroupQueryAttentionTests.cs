using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.Tests.Onnx;

namespace VLOrleans.Engine.Tests.OnnxGraph;

/// <summary>
/// com.microsoft.GroupQueryAttention decoding a ragged batch over max-length KV buffers, with the present
/// outputs pre-allocated over the SAME memory as the past inputs, so ORT appends each row's new key/value in
/// place — the pattern the generation engine uses. Facts from ONNX Runtime's docs/ContribOperators.md:
/// caches are BNSH [batch, kv_num_heads, max_len, head_size]; seqlens_k[b] = total length of row b − 1;
/// total_sequence_length is the batch maximum; query/key/value are [batch, seq, heads·head_size].
/// Compared with plain attention in C# (double): row b attends to positions 0..seqlens_k[b], head h uses
/// KV head h / (num_heads / kv_num_heads), scale 1/√head_size.
/// </summary>
public sealed class GroupQueryAttentionTests
{
    private const int Batch = 2, Heads = 4, KvHeads = 2, HeadSize = 16, MaxLen = 16;
    private const int Hidden = Heads * HeadSize, KvHidden = KvHeads * HeadSize;
    private const float Garbage = 1000f; // beyond each row's length: would wreck the output if it were attended

    [Fact]
    public void TwoRaggedDecodeStepsUpdateTheCacheInPlaceAndMatchPlainAttention()
    {
        var random = new Random(7);
        int[] lengths = [5, 9]; // past lengths of the two rows
        var keyCache = GC.AllocateArray<float>(Batch * KvHeads * MaxLen * HeadSize, pinned: true);
        var valueCache = GC.AllocateArray<float>(keyCache.Length, pinned: true);
        for (var b = 0; b < Batch; b++)
        {
            for (var h = 0; h < KvHeads; h++)
            {
                for (var p = 0; p < MaxLen; p++)
                {
                    for (var d = 0; d < HeadSize; d++)
                    {
                        var index = CacheIndex(b, h, p, d);
                        keyCache[index] = p < lengths[b] ? (float)(random.NextDouble() * 2 - 1) : Garbage;
                        valueCache[index] = p < lengths[b] ? (float)(random.NextDouble() * 2 - 1) : Garbage;
                    }
                }
            }
        }
        var expectedKeys = (float[])keyCache.Clone();
        var expectedValues = (float[])valueCache.Clone();

        using var session = OnnxSession.Load(BuildModel(), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var pastKey = OnnxValue.CreateTensor(keyCache, Batch, KvHeads, MaxLen, HeadSize);
        using var pastValue = OnnxValue.CreateTensor(valueCache, Batch, KvHeads, MaxLen, HeadSize);
        // The present outputs: new OrtValues over the very same buffers.
        using var presentKey = OnnxValue.CreateTensor(keyCache, Batch, KvHeads, MaxLen, HeadSize);
        using var presentValue = OnnxValue.CreateTensor(valueCache, Batch, KvHeads, MaxLen, HeadSize);

        for (var step = 0; step < 2; step++)
        {
            var query = PlainMath.Uniform(random, Batch * Hidden, -1f, 1f);
            var key = PlainMath.Uniform(random, Batch * KvHidden, -1f, 1f);
            var value = PlainMath.Uniform(random, Batch * KvHidden, -1f, 1f);
            int[] seqlensK = [lengths[0], lengths[1]]; // new total (past + 1) minus 1
            int[] total = [Math.Max(lengths[0], lengths[1]) + 1];

            // Reference: append this step's key/value at each row's position, then attend.
            for (var b = 0; b < Batch; b++)
                for (var h = 0; h < KvHeads; h++)
                    for (var d = 0; d < HeadSize; d++)
                    {
                        expectedKeys[CacheIndex(b, h, lengths[b], d)] = key[b * KvHidden + h * HeadSize + d];
                        expectedValues[CacheIndex(b, h, lengths[b], d)] = value[b * KvHidden + h * HeadSize + d];
                    }
            var expectedOutput = Attend(query, expectedKeys, expectedValues, lengths);

            using var q = OnnxValue.CreateTensor(query, Batch, 1, Hidden);
            using var k = OnnxValue.CreateTensor(key, Batch, 1, KvHidden);
            using var v = OnnxValue.CreateTensor(value, Batch, 1, KvHidden);
            using var seqlens = OnnxValue.CreateTensor(seqlensK, Batch);
            using var totalLength = OnnxValue.CreateTensor(total); // scalar: shape []
            var outputs = new OnnxValue?[] { null, presentKey, presentValue };
            session.Run(
                ["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length"],
                [q, k, v, pastKey, pastValue, seqlens, totalLength],
                ["output", "present_key", "present_value"], outputs);
            using var output = outputs[0]!;

            Assert.Same(presentKey, outputs[1]); // pre-allocated slots are left as given
            PlainMath.AssertClose(expectedOutput, output.ToArray<float>(), 1e-5);
            // In place: the caches now hold exactly the reference contents, garbage beyond each row untouched.
            Assert.Equal(expectedKeys, keyCache);
            Assert.Equal(expectedValues, valueCache);
            lengths = [lengths[0] + 1, lengths[1] + 1];
        }
    }

    private static byte[] BuildModel()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("query", OnnxElementType.Float, "batch", "seq", Hidden);
        builder.AddInput("key", OnnxElementType.Float, "batch", "seq", KvHidden);
        builder.AddInput("value", OnnxElementType.Float, "batch", "seq", KvHidden);
        builder.AddInput("past_key", OnnxElementType.Float, "batch", KvHeads, "max_len", HeadSize);
        builder.AddInput("past_value", OnnxElementType.Float, "batch", KvHeads, "max_len", HeadSize);
        builder.AddInput("seqlens_k", OnnxElementType.Int32, "batch");
        builder.AddInput("total_sequence_length", OnnxElementType.Int32);
        builder.AddOutput("output", OnnxElementType.Float, "batch", "seq", Hidden);
        builder.AddOutput("present_key", OnnxElementType.Float, "batch", KvHeads, "max_len", HeadSize);
        builder.AddOutput("present_value", OnnxElementType.Float, "batch", KvHeads, "max_len", HeadSize);
        builder.AddNode("GroupQueryAttention",
            ["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length"],
            ["output", "present_key", "present_value"],
            [OnnxAttribute.Int("num_heads", Heads), OnnxAttribute.Int("kv_num_heads", KvHeads), OnnxAttribute.Int("do_rotary", 0)],
            domain: OnnxModelBuilder.MicrosoftDomain);
        return builder.ToBytes();
    }

    /// <summary>One query token per row over positions 0..lengths[b] (the new token included).</summary>
    private static double[] Attend(float[] query, float[] keys, float[] values, int[] lengths)
    {
        var output = new double[Batch * Hidden];
        var scale = 1.0 / Math.Sqrt(HeadSize);
        for (var b = 0; b < Batch; b++)
        {
            var count = lengths[b] + 1;
            for (var h = 0; h < Heads; h++)
            {
                var kvHead = h / (Heads / KvHeads);
                var scores = new double[count];
                for (var p = 0; p < count; p++)
                {
                    double dot = 0;
                    for (var d = 0; d < HeadSize; d++) dot += (double)query[b * Hidden + h * HeadSize + d] * keys[CacheIndex(b, kvHead, p, d)];
                    scores[p] = dot * scale;
                }
                var weights = PlainMath.SoftmaxRows(scores, count);
                for (var d = 0; d < HeadSize; d++)
                {
                    double sum = 0;
                    for (var p = 0; p < count; p++) sum += weights[p] * values[CacheIndex(b, kvHead, p, d)];
                    output[b * Hidden + h * HeadSize + d] = sum;
                }
            }
        }
        return output;
    }

    private static int CacheIndex(int b, int h, int p, int d) => ((b * KvHeads + h) * MaxLen + p) * HeadSize + d;
}
