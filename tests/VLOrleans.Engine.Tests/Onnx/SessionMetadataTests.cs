using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>What a session reports about its inputs and outputs is exactly what the graph writer declared.</summary>
public sealed class SessionMetadataTests
{
    [Fact]
    public void NamesTypesAndSymbolicDimsAreAsWritten()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("input_ids", OnnxElementType.Int64, "batch", "sequence");
        builder.AddInput("pixel_values", OnnxElementType.Float16, 1, 3, "height", "width");
        builder.AddOutput("ids_out", OnnxElementType.Int64, "batch", "sequence");
        builder.AddOutput("pixels_out", OnnxElementType.Float16, 1, 3, "height", "width");
        builder.AddNode("Identity", ["input_ids"], ["ids_out"]);
        builder.AddNode("Identity", ["pixel_values"], ["pixels_out"]);
        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1 });

        Assert.Equal(["input_ids", "pixel_values"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["ids_out", "pixels_out"], session.Outputs.Select(o => o.Name));

        var ids = session.Inputs[0];
        Assert.Equal(OnnxElementType.Int64, ids.ElementType);
        Assert.Equal([-1L, -1L], ids.Dimensions);
        Assert.Equal(["batch", "sequence"], ids.SymbolicDimensions);

        var pixels = session.Inputs[1];
        Assert.Equal(OnnxElementType.Float16, pixels.ElementType);
        Assert.Equal([1L, 3L, -1L, -1L], pixels.Dimensions);
        Assert.Equal(["", "", "height", "width"], pixels.SymbolicDimensions);
        Assert.Equal("pixel_values: Float16[1, 3, height, width]", pixels.ToString());

        Assert.Equal(["", "", "height", "width"], session.Outputs[1].SymbolicDimensions);
    }
}
