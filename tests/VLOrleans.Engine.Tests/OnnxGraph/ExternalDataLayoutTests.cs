using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.Tests.OnnxGraph;

/// <summary>
/// The bytes on disk, read back with the protobuf parser and plain file reads: large tensors go to the
/// external file at aligned offsets with exact lengths, small ones stay inline, the .onnx stays small.
/// </summary>
public sealed class ExternalDataLayoutTests
{
    [Fact]
    public void LargeTensorsStreamToAlignedOffsetsAndSmallOnesStayInline()
    {
        using var temp = new TempFolder();
        var modelPath = temp.File("m.onnx");
        var big1 = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();      // 4000 bytes
        var big2 = Enumerable.Range(0, 300).Select(i => (long)i - 7).ToArray();     // 2400 bytes
        var small = new[] { Half.One, (Half)2.5f };                                  // 4 bytes, inline

        using (var builder = OnnxModelBuilder.ToFile(modelPath))
        {
            builder.AddInitializer("big1", big1, 10, 100);
            builder.AddInitializer("big2", big2, 300);
            builder.AddInitializer("small", small, 2);
            builder.AddInput("x", OnnxElementType.Float, "batch", 100);
            builder.AddOutput("y", OnnxElementType.Float, "batch", 10);
            builder.AddNode("MatMul", ["x", "big1"], ["y"], null);
            builder.Save();
        }

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var data = File.ReadAllBytes(modelPath + ".data");
        var t1 = model.Graph.Initializer.Single(t => t.Name == "big1");
        var t2 = model.Graph.Initializer.Single(t => t.Name == "big2");
        var t3 = model.Graph.Initializer.Single(t => t.Name == "small");

        Assert.Equal(TensorProto.Types.DataLocation.External, t1.DataLocation);
        Assert.Equal(["location", "offset", "length"], t1.ExternalData.Select(e => e.Key));
        Assert.Equal("m.onnx.data", t1.ExternalData[0].Value);
        // big1 at 0 (4000 bytes); big2 at the next multiple of 4096.
        Assert.Equal(["m.onnx.data", "0", "4000"], t1.ExternalData.Select(e => e.Value));
        Assert.Equal(["m.onnx.data", "4096", "2400"], t2.ExternalData.Select(e => e.Value));
        Assert.Equal(4096 + 2400, data.Length);
        Assert.Equal(big1, MemoryMarshal.Cast<byte, float>(data.AsSpan(0, 4000)).ToArray());
        Assert.Equal(big2, MemoryMarshal.Cast<byte, long>(data.AsSpan(4096, 2400)).ToArray());
        Assert.Equal([10L, 100L], t1.Dims);
        Assert.Equal((int)TensorProto.Types.DataType.Float, t1.DataType);

        Assert.False(t3.HasDataLocation);
        Assert.Equal(small, MemoryMarshal.Cast<byte, Half>(t3.RawData.Span).ToArray());
        Assert.True(new FileInfo(modelPath).Length < 1024, "the .onnx holds no large weights");

        // Symbolic and fixed dims as written; opset imports ai.onnx 21 and com.microsoft 1.
        var x = model.Graph.Input.Single();
        Assert.Equal("batch", x.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(100, x.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal([("", 21L), ("com.microsoft", 1L)], model.OpsetImport.Select(o => (o.Domain, o.Version)));
        Assert.Equal("MatMul_0", model.Graph.Node.Single().Name);
    }

    [Fact]
    public void WrongByteCountForDimsIsRejected()
    {
        using var builder = OnnxModelBuilder.InMemory();
        var ex = Assert.Throws<ArgumentException>(() => builder.AddInitializer("w", new float[5], 2, 3));
        Assert.Contains("need 24 bytes, got 20", ex.Message);
    }

    [Fact]
    public void DuplicateValueNamesAreRejected()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInitializer("w", new float[1], 1);
        Assert.Throws<ArgumentException>(() => builder.AddNode("Identity", ["x"], ["w"]));
    }
}
