using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.Tests.OnnxGraph;

/// <summary>Every attribute kind serialises as ONNX defines it; stream-fed initializers land byte for byte.</summary>
public sealed class AttributeAndStreamTests
{
    [Fact]
    public void EveryAttributeKindIsWrittenWithItsOnnxType()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddNode("Custom", ["x"], ["y"],
            [OnnxAttribute.Float("f", 0.5f), OnnxAttribute.Int("i", -7), OnnxAttribute.String("s", "héllo"),
             OnnxAttribute.Floats("fs", 1f, 2f), OnnxAttribute.Ints("is", 3, 4, 5), OnnxAttribute.Strings("ss", "a", "b"),
             OnnxAttribute.Tensor<int>("t", [1, 2, 3, 4], 2, 2)],
            domain: "test.domain");
        var node = ModelProto.Parser.ParseFrom(builder.ToBytes()).Graph.Node.Single();
        var byName = node.Attribute.ToDictionary(a => a.Name);

        // AttributeType numbers from onnx.proto: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
        Assert.Equal([1, 2, 3, 6, 7, 8, 4], node.Attribute.Select(a => (int)a.Type));
        Assert.Equal(0.5f, byName["f"].F);
        Assert.Equal(-7, byName["i"].I);
        Assert.Equal("héllo", byName["s"].S.ToStringUtf8());
        Assert.Equal([1f, 2f], byName["fs"].Floats);
        Assert.Equal([3L, 4, 5], byName["is"].Ints);
        Assert.Equal(["a", "b"], byName["ss"].Strings.Select(b => b.ToStringUtf8()));
        Assert.Equal([2L, 2], byName["t"].T.Dims);
        Assert.Equal((int)OnnxElementType.Int32, byName["t"].T.DataType);
        Assert.Equal([1, 2, 3, 4], MemoryMarshal.Cast<byte, int>(byName["t"].T.RawData.Span).ToArray());
        Assert.Equal("test.domain", node.Domain);
        Assert.Equal("Custom_0", node.Name);
    }

    [Fact]
    public void ConstantNodeWithTensorAttributeRunsInOrt()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddOutput("c", OnnxElementType.Int64, 3);
        builder.AddNode("Constant", [], ["c"], [OnnxAttribute.Tensor<long>("value", [10, -20, 1L << 50], 3)]);
        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var c = session.Run([], [], "c")[0];
        Assert.Equal([10L, -20, 1L << 50], c.ToArray<long>());
    }

    [Fact]
    public void StreamFedInitializersAreCopiedExactly()
    {
        using var temp = new TempFolder();
        var modelPath = temp.File("s.onnx");
        var big = new byte[5000];
        new Random(3).NextBytes(big);
        var small = new byte[] { 1, 2, 3, 4 };
        using (var builder = OnnxModelBuilder.ToFile(modelPath, new OnnxExternalDataOptions { FileName = "weights.bin", Alignment = 64 }))
        {
            builder.AddInitializer("pad", OnnxElementType.UInt8, new byte[1100], 1100); // leaves the next offset unaligned
            builder.AddInitializer("big", OnnxElementType.UInt8, new MemoryStream(big), big.Length, 50, 100);
            builder.AddInitializer("small", OnnxElementType.UInt8, new MemoryStream(small), small.Length, 4);
            Assert.Throws<EndOfStreamException>(() => builder.AddInitializer("short", OnnxElementType.UInt8, new MemoryStream(small), 2000, 2000));
            builder.Save();
        }
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var data = File.ReadAllBytes(temp.File("weights.bin"));
        var bigTensor = model.Graph.Initializer.Single(t => t.Name == "big");
        // "pad" occupies [0, 1100); the next 64-byte boundary is 1152.
        Assert.Equal(["weights.bin", "1152", "5000"], bigTensor.ExternalData.Select(e => e.Value));
        Assert.Equal(big, data.AsSpan(1152, 5000).ToArray());
        Assert.Equal(small, model.Graph.Initializer.Single(t => t.Name == "small").RawData.ToByteArray());
    }
}
