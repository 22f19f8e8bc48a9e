using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Onnx.Interop;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>
/// Bad models and bad inputs end in typed exceptions carrying ORT's code and message — no crash — and
/// leave no native object behind. In a non-parallel collection because it counts process-wide live handles.
/// </summary>
[Collection(NativeHandleCountingCollection.Name)]
public sealed class ErrorPathTests
{
    private static readonly OnnxSessionOptions OneThread = new() { IntraOpThreadCount = 1 };

    [Fact]
    public void CorruptModelBytes()
    {
        var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load("this is not an ONNX model"u8, OneThread));
        Assert.Equal(OnnxErrorCode.InvalidProtobuf, ex.Code);
        Assert.False(string.IsNullOrWhiteSpace(ex.NativeMessage));
    }

    [Fact]
    public void MissingModelFile()
    {
        var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load("/nonexistent/model.onnx", OneThread));
        Assert.Equal(OnnxErrorCode.NoSuchFile, ex.Code);
        Assert.Contains("/nonexistent/model.onnx", ex.Message);
    }

    [Fact]
    public void WrongInputName()
    {
        using var session = NegSession();
        using var x = OnnxValue.CreateTensor(new float[4], 2, 2);
        var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run(["not_x"], [x], "y"));
        Assert.Equal(OnnxErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("not_x", ex.NativeMessage);
    }

    [Fact]
    public void WrongRankAndWrongShape()
    {
        using var session = NegSession();
        using var rank3 = OnnxValue.CreateTensor(new float[8], 2, 2, 2);
        var rankError = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [rank3], "y"));
        Assert.Equal(OnnxErrorCode.InvalidArgument, rankError.Code);
        Assert.Contains("rank", rankError.NativeMessage, StringComparison.OrdinalIgnoreCase);

        using var wrongWidth = OnnxValue.CreateTensor(new float[6], 2, 3); // the model fixes the last dim at 2
        var shapeError = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [wrongWidth], "y"));
        Assert.Equal(OnnxErrorCode.InvalidArgument, shapeError.Code);
        Assert.Contains("dimensions", shapeError.NativeMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void WrongElementType()
    {
        using var session = NegSession();
        using var ints = OnnxValue.CreateTensor(new long[4], 2, 2);
        var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [ints], "y"));
        Assert.Equal(OnnxErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("type", ex.NativeMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UnknownOperatorIsAnOrtError()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, 2);
        builder.AddOutput("y", OnnxElementType.Float, 2);
        builder.AddNode("NoSuchOperator", ["x"], ["y"]);
        var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(builder.ToBytes(), OneThread));
        Assert.Contains("NoSuchOperator", ex.NativeMessage);
    }

    [Fact]
    public void ManagedArgumentErrorsAreCaughtBeforeOrt()
    {
        Assert.Throws<ArgumentException>(() => OnnxValue.CreateTensor(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => OnnxValue.CreateTensor(new float[0], -1));
        using var session = NegSession();
        using var x = OnnxValue.CreateTensor(new float[4], 2, 2);
        Assert.Throws<ArgumentException>(() => session.Run(["x", "extra"], [x], "y"));
    }

    [Fact]
    public void DisposedObjectsThrowObjectDisposed()
    {
        var session = NegSession();
        var x = OnnxValue.CreateTensor(new float[4], 2, 2);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(["x"], [x], "y"));
        using var live = NegSession();
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => live.Run(["x"], [x], "y"));
    }

    [Fact]
    public void CudaOnACpuOnlySetupIsAClearError()
    {
        var options = OneThread with { ExecutionProvider = OnnxExecutionProvider.Cuda };
        // The CPU package (Microsoft.ML.OnnxRuntime) has no CUDA provider and this machine no driver: the refusal must
        // say that CUDA is absent, name the missing pieces and the versions the GPU package needs.
        var ex = Assert.Throws<ExecutionProviderUnavailableException>(() => NegSession(options));
        Assert.Equal("CUDAExecutionProvider", ex.Provider);
        Assert.Contains("CUDAExecutionProvider", ex.Message);
        Assert.DoesNotContain("CUDAExecutionProvider", ex.AvailableProviders);
        Assert.Contains("-p:OnnxRuntimeFlavor=gpu", ex.Message);
        Assert.NotNull(ex.Detail);
        Assert.Contains("libcudart.so.13", ex.Detail); // nothing of CUDA 13 is installed here
        Assert.Contains("CUDA 13", ex.Message);
        Assert.Contains("cuDNN 9", ex.Message);
        if (ex.InnerException is OnnxRuntimeException ort) Assert.Contains(ort.NativeMessage, ex.Message);
    }

    [Fact]
    public void TwoHundredFailuresLeaveNoNativeObjectsBehind()
    {
        var model = NegModel();
        using var session = OnnxSession.Load(model, OneThread);
        WarmUp(session);
        var before = OrtHandleCounts.Snapshot();

        for (var i = 0; i < 200; i++)
        {
            switch (i % 5)
            {
                case 0:
                    Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load("garbage"u8, OneThread));
                    break;
                case 1:
                    {
                        using var x = OnnxValue.CreateTensor(new float[4], 2, 2);
                        Assert.Throws<OnnxRuntimeException>(() => session.Run(["bad_name"], [x], "y"));
                        break;
                    }
                case 2:
                    {
                        using var x = OnnxValue.CreateTensor(new long[4], 2, 2);
                        Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], "y"));
                        break;
                    }
                case 3:
                    {
                        using var x = OnnxValue.CreateTensor(new float[6], 3, 2);
                        using var y = OnnxValue.CreateTensor(new float[4], 2, 2); // pre-allocated output of the wrong shape
                        Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ["y"], [y]));
                        break;
                    }
                default:
                    {
                        // A session that loads, runs once successfully, and is disposed.
                        using var s = OnnxSession.Load(model, OneThread);
                        using var x = OnnxValue.CreateTensor(new float[] { 1, 2, 3, 4 }, 2, 2);
                        using var y = s.Run(["x"], [x], "y")[0];
                        Assert.Equal([-1f, -2, -3, -4], y.ToArray<float>());
                        break;
                    }
            }
        }

        Assert.Equal(before, OrtHandleCounts.Snapshot());
    }

    private static void WarmUp(OnnxSession session)
    {
        // First use creates the process-wide env and CPU memory info; count from after that.
        using var x = OnnxValue.CreateTensor(new float[4], 2, 2);
        using var y = session.Run(["x"], [x], "y")[0];
    }

    private static OnnxSession NegSession(OnnxSessionOptions? options = null) => OnnxSession.Load(NegModel(), options ?? OneThread);

    private static byte[] NegModel()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "n", 2);
        builder.AddOutput("y", OnnxElementType.Float, "n", 2);
        builder.AddNode("Neg", ["x"], ["y"]);
        return builder.ToBytes();
    }
}

/// <summary>Tests that count process-wide native handles run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHandleCountingCollection
{
    public const string Name = "Native handle counting";
}
