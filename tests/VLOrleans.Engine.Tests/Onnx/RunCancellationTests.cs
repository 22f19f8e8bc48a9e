using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Onnx.CustomOps;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>
/// A cancellation token that fires during a run reaches ONNX Runtime as <c>RunOptions.Terminate</c>: ORT stops before
/// the next node and the run throws <see cref="OperationCanceledException"/>. Deterministic: the graph's first node is a
/// custom op that cancels the token while it runs, so the flag is set exactly between node 1 and node 2.
/// </summary>
public sealed class RunCancellationTests
{
    private static readonly CancelOp Op = new();
    private static readonly OnnxCustomOpDomain Domain = new("test.cancel", Op);

    [Fact]
    public void ATokenFiredDuringARunTerminatesItBeforeTheNextNode()
    {
        using var session = OnnxSession.Load(Model(), new OnnxSessionOptions { IntraOpThreadCount = 1, CustomOpDomains = [Domain] });
        using var cts = new CancellationTokenSource();
        using var x = OnnxValue.CreateTensor(new float[] { 1, 2 }, 1, 2);
        var outputs = new OnnxValue?[1];
        Op.ToCancel = cts;
        try
        {
            var ex = Assert.Throws<OperationCanceledException>(() => session.Run(["x"], [x], ["y"], outputs, cts.Token));
            Assert.Equal(cts.Token, ex.CancellationToken);
            Assert.Contains("terminate", ((OnnxRuntimeException)ex.InnerException!).NativeMessage, StringComparison.OrdinalIgnoreCase);
            Assert.Null(outputs[0]);
        }
        finally
        {
            Op.ToCancel = null;
        }

        // The same session runs normally afterwards with a fresh token: Terminate was set on that run's options only.
        using var fresh = new CancellationTokenSource();
        session.Run(["x"], [x], ["y"], outputs, fresh.Token);
        using var y = outputs[0]!;
        Assert.Equal([-1f, -2f], y.ToArray<float>());
    }

    [Fact]
    public void AnAlreadyCancelledTokenRunsNothing()
    {
        using var session = OnnxSession.Load(Model(), new OnnxSessionOptions { IntraOpThreadCount = 1, CustomOpDomains = [Domain] });
        using var x = OnnxValue.CreateTensor(new float[] { 1, 2 }, 1, 2);
        var calls = Op.Calls;
        Assert.Throws<OperationCanceledException>(() => session.Run(["x"], [x], ["y"], new OnnxValue?[1], new CancellationToken(canceled: true)));
        Assert.Equal(calls, Op.Calls);
    }

    /// <summary>y = Neg(Identity-through-CancelOp(x)).</summary>
    private static byte[] Model()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.SetOpset("test.cancel", 1);
        builder.AddInput("x", OnnxElementType.Float, "n", 2);
        builder.AddOutput("y", OnnxElementType.Float, "n", 2);
        builder.AddNode("CancelThenCopy", ["x"], ["copied"], domain: "test.cancel");
        builder.AddNode("Neg", ["copied"], ["y"]);
        return builder.ToBytes();
    }

    /// <summary>Copies its input and cancels <see cref="ToCancel"/> (when set) while the run is inside the graph.</summary>
    private sealed class CancelOp : OnnxCustomOp
    {
        public volatile CancellationTokenSource? ToCancel;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override string Name => "CancelThenCopy";

        public override IReadOnlyList<OnnxElementType> InputTypes => [OnnxElementType.Float];

        public override IReadOnlyList<OnnxElementType> OutputTypes => [OnnxElementType.Float];

        public override void Compute(OnnxKernelContext context)
        {
            Interlocked.Increment(ref _calls);
            var input = context.Input(0);
            input.As<float>().CopyTo(context.Output(0, [.. input.Shape]).As<float>());
            ToCancel?.Cancel();
        }
    }
}
