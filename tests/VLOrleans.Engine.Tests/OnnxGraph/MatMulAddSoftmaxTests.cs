using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.Tests.Onnx;

namespace VLOrleans.Engine.Tests.OnnxGraph;

/// <summary>
/// A MatMul → Add → Softmax graph written by <see cref="OnnxModelBuilder"/> and run by ONNX Runtime through
/// the binding matches the same computation done in double precision in C#.
/// </summary>
public sealed class MatMulAddSoftmaxTests
{
    private static readonly OnnxSessionOptions OneThread = new() { IntraOpThreadCount = 1 };

    [Fact]
    public void InMemoryModelMatchesReference()
    {
        const int m = 3, k = 64, n = 48;
        var random = new Random(1);
        var w = PlainMath.Uniform(random, k * n, -0.5f, 0.5f);
        var bias = PlainMath.Uniform(random, n, -1f, 1f);
        var x = PlainMath.Uniform(random, m * k, -1f, 1f);

        using var builder = OnnxModelBuilder.InMemory();
        Build(builder, w, bias, k, n);
        using var session = OnnxSession.Load(builder.ToBytes(), OneThread);

        var y = RunOnce(session, x, m, k);
        PlainMath.AssertClose(Expected(x, w, bias, m, k, n), y, 1e-6); // probabilities in [0, 1]; fp32 sums of 64 terms
    }

    [Fact]
    public void ExternalDataModelMatchesReference()
    {
        const int m = 4, k = 256, n = 128; // 128 KiB of weights: far above the 1 KiB inline threshold
        var random = new Random(2);
        var w = PlainMath.Uniform(random, k * n, -0.2f, 0.2f);
        var bias = PlainMath.Uniform(random, n, -1f, 1f);
        var x = PlainMath.Uniform(random, m * k, -1f, 1f);
        using var temp = new TempFolder();
        var modelPath = temp.File("softmax.onnx");

        using (var builder = OnnxModelBuilder.ToFile(modelPath))
        {
            Build(builder, w, bias, k, n);
            builder.Save();
        }
        Assert.True(new FileInfo(modelPath).Length < 2048, "weights are outside the .onnx");
        Assert.True(new FileInfo(modelPath + ".data").Length >= k * n * sizeof(float));

        using var session = OnnxSession.Load(modelPath, OneThread);
        var y = RunOnce(session, x, m, k);
        PlainMath.AssertClose(Expected(x, w, bias, m, k, n), y, 1e-6);
    }

    private static void Build(OnnxModelBuilder builder, float[] w, float[] bias, int k, int n)
    {
        builder.AddInput("x", OnnxElementType.Float, "batch", k);
        builder.AddOutput("y", OnnxElementType.Float, "batch", n);
        builder.AddInitializer("w", w, k, n);
        builder.AddInitializer("bias", bias, n);
        var logits = builder.AddNode("MatMul", ["x", "w"], ["xw"]);
        logits = builder.AddNode("Add", [logits, "bias"], ["logits"]);
        builder.AddNode("Softmax", [logits], ["y"], [OnnxAttribute.Int("axis", -1)]);
    }

    private static float[] RunOnce(OnnxSession session, float[] x, int m, int k)
    {
        using var input = OnnxValue.CreateTensor(x, m, k);
        var outputs = session.Run(["x"], [input], "y");
        using var y = outputs[0];
        Assert.Equal([m, session.Outputs[0].Dimensions[1]], y.Shape);
        return y.ToArray<float>();
    }

    private static double[] Expected(float[] x, float[] w, float[] bias, int m, int k, int n)
    {
        var logits = PlainMath.MatMul(x, w, m, k, n);
        for (var i = 0; i < logits.Length; i++) logits[i] += bias[i % n];
        return PlainMath.SoftmaxRows(logits, n);
    }
}
