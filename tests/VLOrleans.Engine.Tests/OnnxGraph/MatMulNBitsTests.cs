using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.Tests.Onnx;

namespace VLOrleans.Engine.Tests.OnnxGraph;

/// <summary>
/// com.microsoft.MatMulNBits (bits 4, block 32) written by the graph builder matches a C# matmul against the
/// dequantised weights. Packing, from ONNX Runtime's docs/ContribOperators.md:
/// B is uint8 [N, k_blocks, block_size·bits/8]; within a block, element 2i sits in the low nibble of byte i and
/// element 2i+1 in the high nibble. scales are [N, k_blocks] in A's type. zero_points, when given, are uint8
/// [N, ceil(k_blocks·bits/8)] packed the same way (block 2j low nibble, 2j+1 high); when absent the zero point
/// is 2^(bits−1) = 8. Dequantised weight = (q − zero_point) · scale; Y = A · W'ᵀ with W' as [N, K].
/// </summary>
public sealed class MatMulNBitsTests
{
    private const int M = 5, K = 256, N = 96, BlockSize = 32, Blocks = K / BlockSize, BlobSize = BlockSize * 4 / 8;

    [Theory]
    [InlineData(0, true)]
    [InlineData(0, false)]
    [InlineData(4, true)]
    [InlineData(4, false)]
    public void MatchesMatMulAgainstDequantisedWeights(int accuracyLevel, bool withZeroPoints)
    {
        var random = new Random(10 + accuracyLevel + (withZeroPoints ? 1 : 0));
        var q = new byte[N * K];
        var zp = new byte[N * Blocks];
        for (var i = 0; i < q.Length; i++) q[i] = (byte)random.Next(16);
        for (var i = 0; i < zp.Length; i++) zp[i] = withZeroPoints ? (byte)random.Next(16) : (byte)8;
        var scales = PlainMath.Uniform(random, N * Blocks, 0.01f, 0.05f);
        var a = PlainMath.Uniform(random, M * K, -1f, 1f);

        // Dequantise to W'ᵀ as [K, N] for the reference matmul.
        var wT = new float[K * N];
        for (var n = 0; n < N; n++)
            for (var k = 0; k < K; k++)
                wT[k * N + n] = (q[n * K + k] - zp[n * Blocks + k / BlockSize]) * scales[n * Blocks + k / BlockSize];
        var expected = PlainMath.MatMul(a, wT, M, K, N);

        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("a", OnnxElementType.Float, "m", K);
        builder.AddOutput("y", OnnxElementType.Float, "m", N);
        builder.AddInitializer("b", OnnxElementType.UInt8, PackNibbles(q, N, K), N, Blocks, BlobSize);
        builder.AddInitializer("scales", scales, N, Blocks);
        List<string> inputs = ["a", "b", "scales"];
        if (withZeroPoints)
        {
            builder.AddInitializer("zero_points", OnnxElementType.UInt8, PackNibbles(zp, N, Blocks), N, (Blocks + 1) / 2);
            inputs.Add("zero_points");
        }
        builder.AddNode("MatMulNBits", inputs, ["y"],
            [OnnxAttribute.Int("K", K), OnnxAttribute.Int("N", N), OnnxAttribute.Int("bits", 4),
             OnnxAttribute.Int("block_size", BlockSize), OnnxAttribute.Int("accuracy_level", accuracyLevel)],
            domain: OnnxModelBuilder.MicrosoftDomain);

        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var input = OnnxValue.CreateTensor(a, M, K);
        using var y = session.Run(["a"], [input], "y")[0];
        var actual = y.ToArray<float>();

        if (accuracyLevel == 0)
        {
            // fp32 activations: only fp32 rounding over 256 products of magnitude ≤ 0.6 → well under 1e-4.
            PlainMath.AssertClose(expected, actual, 1e-4);
            return;
        }
        // accuracy_level 4 quantises each block of 32 activations to int8 with scale max|a|/127, so each
        // activation moves by at most max|a_block|/254. Bound per output: Σ_k (max|a_block(k)|/254)·|W'[n,k]|,
        // plus 1e-4 for fp32 rounding. The worst case is never reached (errors have random signs); the lead
        // measured about 0.4% of the output range at K=2048.
        for (var m = 0; m < M; m++)
        {
            for (var n = 0; n < N; n++)
            {
                double bound = 1e-4;
                for (var k = 0; k < K; k++)
                {
                    var blockStart = m * K + k / BlockSize * BlockSize;
                    var blockMax = 0f;
                    for (var t = 0; t < BlockSize; t++) blockMax = Math.Max(blockMax, Math.Abs(a[blockStart + t]));
                    bound += blockMax / 254.0 * Math.Abs(wT[k * N + n]);
                }
                var error = Math.Abs(expected[m * N + n] - actual[m * N + n]);
                Assert.True(error <= bound, $"y[{m},{n}]: |{actual[m * N + n]} − {expected[m * N + n]:G9}| = {error:G4} > bound {bound:G4}");
            }
        }
    }

    /// <summary>Packs rows of 4-bit values two per byte, even index in the low nibble.</summary>
    private static byte[] PackNibbles(byte[] values, int rows, int columns)
    {
        var bytesPerRow = (columns + 1) / 2;
        var packed = new byte[rows * bytesPerRow];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                packed[r * bytesPerRow + c / 2] |= (byte)((values[r * columns + c] & 0xF) << (c % 2 * 4));
        return packed;
    }
}
