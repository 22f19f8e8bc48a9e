using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.OnnxGraph;

/// <summary>
/// An <c>If</c> written by <see cref="OnnxModelBuilder.AddIf"/> (one node per branch, inputs from the enclosing graph,
/// one of them an initializer) runs in ONNX Runtime and takes the branch its condition names, on the same session run
/// after run: here x + w when x has one row, x · w otherwise — the decoder's test for a decode step.
/// </summary>
public sealed class IfNodeTests
{
    [Fact]
    public void EachRunTakesTheBranchItsConditionNames()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, "rows", 3);
        builder.AddOutput("y", OnnxElementType.Float, "rows", 3);
        builder.AddInitializer<float>("w", [10f, 20f, 30f], 3);
        var rows = builder.AddNode("Gather", [builder.AddNode("Shape", ["x"], ["shape"]), builder.AddScalar(0L)], ["rows"], [OnnxAttribute.Int("axis", 0)]);
        var oneRow = builder.AddNode("Equal", [rows, builder.AddScalar(1L)], ["one_row"]);
        builder.AddIf(oneRow, [new OnnxTypedValue("y", OnnxElementType.Float, "rows", 3)],
            whenTrue: new OnnxBranchNode("Add", ["x", "w"], []),
            whenFalse: new OnnxBranchNode("Mul", ["x", "w"], []));
        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1 });

        Assert.Equal([11f, 22f, 33f], Run(session, [1f, 2f, 3f], 1));
        Assert.Equal([10f, 40f, 90f, 40f, 100f, 180f], Run(session, [1f, 2f, 3f, 4f, 5f, 6f], 2));
        Assert.Equal([10.5f, 20.5f, 30.5f], Run(session, [0.5f, 0.5f, 0.5f], 1));
    }

    private static float[] Run(OnnxSession session, float[] x, int rows)
    {
        using var input = OnnxValue.CreateTensor(x, rows, 3);
        var outputs = new OnnxValue?[1];
        session.Run(["x"], [input], ["y"], outputs);
        using var y = outputs[0]!;
        return y.ToArray<float>();
    }
}
