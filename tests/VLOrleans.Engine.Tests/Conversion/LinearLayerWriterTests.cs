using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>
/// One Linear layer written in each weight format and run by ONNX Runtime, against a C# matmul in double:
/// fp32 against the weights, fp16 against the weights rounded to Half, int8/int4 (MatMulNBits, accuracy_level 0 so
/// activations stay fp32) against the weights dequantised here by the formula of onnxruntime docs/ContribOperators.md
/// (B [N, blocks, block·bits/8], element k of a block at bits k·bits from the low end, w = (q − 2^(bits−1))·scale).
/// A tiny streaming block size forces the transposed and quantised streams to cross many block boundaries.
/// </summary>
public sealed class LinearLayerWriterTests : IDisposable
{
    private const int N = 48, M = 3;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vlo-linear-" + Guid.NewGuid().ToString("N"));

    public LinearLayerWriterTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(WeightFormat.Fp32, 96)]
    [InlineData(WeightFormat.Fp16, 96)]
    [InlineData(WeightFormat.Int8, 96)]
    [InlineData(WeightFormat.Int4, 96)]
    [InlineData(WeightFormat.Int4, 80)] // K not a multiple of the block: the last block is zero-padded
    [InlineData(WeightFormat.Int8, 80)]
    public void MatchesMatMulOfTheStoredWeights(WeightFormat format, int k)
    {
        var random = new Random(k + (int)format);
        var weight = Enumerable.Range(0, N * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var bias = Enumerable.Range(0, N).Select(_ => (float)random.NextDouble()).ToArray();
        var x = Enumerable.Range(0, M * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        SafetensorsWriter.Write(Path.Combine(_folder, "model.safetensors"),
        [
            SafetensorsTensorSource.FromSingle("model.visual.layer.weight", [N, k], weight),
            SafetensorsTensorSource.FromSingle("model.visual.layer.bias", [N], bias),
        ]);

        // The weights the graph should be using, computed independently of the writer's layout code.
        var effective = format switch
        {
            WeightFormat.Fp16 => weight.Select(w => (float)(Half)w).ToArray(),
            WeightFormat.Int8 or WeightFormat.Int4 => Dequantized(weight, k, format.QuantizedBits(), 32),
            _ => weight,
        };
        var expected = new double[M * N];
        for (var m = 0; m < M; m++)
            for (var n = 0; n < N; n++)
            {
                double sum = bias[n];
                for (var i = 0; i < k; i++) sum += (double)x[m * k + i] * effective[n * k + i];
                expected[m * N + n] = sum;
            }

        using var checkpoint = SafetensorsCheckpoint.Open(_folder);
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "m", k);
        var writer = new LinearLayerWriter(new CheckpointTensors(checkpoint), new ConversionOptions { Weights = format, AccuracyLevel = 0 }, blockBytes: 256);
        var y = writer.Linear(new GraphWriter(builder), "x", "layer", "model.visual.layer.weight", "model.visual.layer.bias");
        builder.AddNode("Identity", [y], ["y"]);
        builder.AddOutput("y", OnnxElementType.Float, "m", N);

        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var input = OnnxValue.CreateTensor(x, M, k);
        using var result = session.Run(["x"], [input], "y")[0];
        var actual = result.ToArray<float>();
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"y[{i}] = {actual[i]}, expected {expected[i]:G9}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void QuantizationErrorIsAtMostHalfAStep(int bits)
    {
        var random = new Random(bits);
        var row = Enumerable.Range(0, 100).Select(_ => (float)(random.NextGaussian() * 0.05)).ToArray();
        row[7] = 0.5f; // an outlier sets its block's scale
        var quantizer = new BlockQuantizer(bits, 32);
        var packed = new byte[quantizer.RowBytes(row.Length)];
        var scales = new float[quantizer.BlockCount(row.Length)];
        quantizer.QuantizeRow(row, packed, scales);
        Assert.Equal(4, scales.Length);
        Assert.Equal(0.5f / ((1 << (bits - 1)) - 1), scales[0], 6); // symmetric: max|w| maps to 7 or 127 steps
        var restored = new float[row.Length];
        quantizer.DequantizeRow(packed, scales, restored);
        for (var i = 0; i < row.Length; i++)
            Assert.True(Math.Abs(restored[i] - row[i]) <= scales[i / 32] / 2 + 1e-7, $"w[{i}]: {restored[i]} vs {row[i]}");
    }

    /// <summary>Quantise with the converter's quantiser, then unpack with the documented MatMulNBits formula (test-side code).</summary>
    private static float[] Dequantized(float[] weight, int k, int bits, int blockSize)
    {
        var quantizer = new BlockQuantizer(bits, blockSize);
        var blocks = (k + blockSize - 1) / blockSize;
        var blob = blockSize * bits / 8;
        var result = new float[weight.Length];
        var packed = new byte[blocks * blob];
        var scales = new float[blocks];
        for (var n = 0; n < N; n++)
        {
            quantizer.QuantizeRow(weight.AsSpan(n * k, k), packed, scales);
            for (var i = 0; i < k; i++)
            {
                int b = i / blockSize, j = i % blockSize;
                var q = bits == 8 ? packed[b * blob + j] : (packed[b * blob + j / 2] >> (j % 2 * 4)) & 0xF;
                result[n * k + i] = (q - (1 << (bits - 1))) * scales[b];
            }
        }
        return result;
    }
}

internal static class RandomExtensions
{
    public static double NextGaussian(this Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
