using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>Session options reach ORT, and one session serves concurrent runs.</summary>
public sealed class SessionOptionsAndThreadingTests
{
    [Fact]
    public void ConfigEntriesReachOrt()
    {
        var model = ScaleModel();
        // "session.load_model_format" = "ORT" tells ORT the bytes are in its flatbuffer format, which an
        // ONNX protobuf is not: the load must fail, proving the entry was applied.
        var options = new OnnxSessionOptions
        {
            IntraOpThreadCount = 1,
            ConfigEntries = new Dictionary<string, string> { ["session.load_model_format"] = "ORT" },
        };
        Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(model, options));

        // The same model loads with an ordinary entry and every optimisation level.
        foreach (var level in Enum.GetValues<OnnxGraphOptimizationLevel>())
        {
            using var session = OnnxSession.Load(model, new OnnxSessionOptions
            {
                IntraOpThreadCount = 1,
                InterOpThreadCount = 1,
                OptimizationLevel = level,
                LogLevel = OnnxLogLevel.Error,
                ConfigEntries = new Dictionary<string, string> { ["session.intra_op.allow_spinning"] = "0" },
            });
            using var x = OnnxValue.CreateTensor(new float[] { 1, -2 }, 1, 2);
            using var y = session.Run(["x"], [x], "y")[0];
            Assert.Equal([3f, -6f], y.ToArray<float>());
        }
    }

    [Fact]
    public void ConcurrentRunsOnOneSessionEachGetTheirOwnResult()
    {
        using var session = OnnxSession.Load(ScaleModel(), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        var failures = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var x = OnnxValue.CreateTensor(new float[] { i, -i }, 1, 2);
            using var y = session.Run(["x"], [x], "y")[0];
            var values = y.ToArray<float>();
            if (values[0] != 3f * i || values[1] != -3f * i) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }

    /// <summary>y = 3 · x.</summary>
    private static byte[] ScaleModel()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "n", 2);
        builder.AddOutput("y", OnnxElementType.Float, "n", 2);
        builder.AddNode("Mul", ["x", builder.AddScalar(3f)], ["y"]);
        return builder.ToBytes();
    }
}
