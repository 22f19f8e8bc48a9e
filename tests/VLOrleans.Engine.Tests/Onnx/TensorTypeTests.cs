using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>
/// Element types other than float cross the binding intact, checked against .NET's own conversions
/// (System.Half) and integer arithmetic rather than against ORT.
/// </summary>
public sealed class TensorTypeTests
{
    private static readonly OnnxSessionOptions OneThread = new() { IntraOpThreadCount = 1 };

    [Fact]
    public void Float16RoundTripsThroughCast()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("h", OnnxElementType.Float16, "n");
        builder.AddInput("x", OnnxElementType.Float, "n");
        builder.AddOutput("f", OnnxElementType.Float, "n");
        builder.AddOutput("h2", OnnxElementType.Float16, "n");
        builder.AddNode("Cast", ["h"], ["f"], [OnnxAttribute.Int("to", (long)OnnxElementType.Float)]);
        builder.AddNode("Cast", ["x"], ["h2"], [OnnxAttribute.Int("to", (long)OnnxElementType.Float16)]);
        using var session = OnnxSession.Load(builder.ToBytes(), OneThread);

        Half[] halves = [Half.Zero, (Half)1.5f, (Half)(-2.25f), Half.MaxValue, Half.Epsilon, (Half)65504f, Half.NegativeInfinity];
        // Floats that need rounding to half: 1/3, 0.1, a value above half's range (→ +inf), a subnormal.
        float[] floats = [1f / 3, 0.1f, -7.0001f, 70000f, 3e-6f, 1024.5f, -0f];
        using var hValue = OnnxValue.CreateTensor(halves, halves.Length);
        using var xValue = OnnxValue.CreateTensor(floats, floats.Length);
        var outputs = session.Run(["h", "x"], [hValue, xValue], "f", "h2");
        using var f = outputs[0];
        using var h2 = outputs[1];

        Assert.Equal(OnnxElementType.Float16, h2.ElementType);
        Assert.Equal(halves.Select(h => (float)h), f.ToArray<float>());
        Assert.Equal(floats.Select(x => (Half)x), h2.ToArray<Half>()); // .NET rounds to nearest even, as IEEE requires
    }

    [Fact]
    public void Int64BoolUInt8Int8AndInt32Tensors()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("i64", OnnxElementType.Int64, 3);
        builder.AddInput("flags", OnnxElementType.Bool, 3);
        builder.AddInput("u8", OnnxElementType.UInt8, 3);
        builder.AddInput("i8", OnnxElementType.Int8, 3);
        builder.AddOutput("sum", OnnxElementType.Int64, 3);
        builder.AddOutput("not_flags", OnnxElementType.Bool, 3);
        builder.AddOutput("big", OnnxElementType.Bool, 3);
        builder.AddOutput("u8_as_i64", OnnxElementType.Int64, 3);
        builder.AddOutput("i8_as_i32", OnnxElementType.Int32, 3);
        var offset = builder.AddConstant<long>([1L << 40, -3, 5], 3);
        builder.AddNode("Add", ["i64", offset], ["sum"]);
        builder.AddNode("Not", ["flags"], ["not_flags"]);
        builder.AddNode("Greater", ["i64", builder.AddScalar(100L)], ["big"]);
        builder.AddNode("Cast", ["u8"], ["u8_as_i64"], [OnnxAttribute.Int("to", (long)OnnxElementType.Int64)]);
        builder.AddNode("Cast", ["i8"], ["i8_as_i32"], [OnnxAttribute.Int("to", (long)OnnxElementType.Int32)]);
        using var session = OnnxSession.Load(builder.ToBytes(), OneThread);

        long[] i64 = [(1L << 53) + 1, 7, -9];      // 2^53+1 is not representable as a double: proves 64-bit all the way
        bool[] flags = [true, false, true];
        byte[] u8 = [0, 200, 255];
        sbyte[] i8 = [-128, -1, 127];
        using var a = OnnxValue.CreateTensor(i64, 3);
        using var b = OnnxValue.CreateTensor(flags, 3);
        using var c = OnnxValue.CreateTensor(u8, 3);
        using var d = OnnxValue.CreateTensor(i8, 3);
        var outputs = session.Run(["i64", "flags", "u8", "i8"], [a, b, c, d], "sum", "not_flags", "big", "u8_as_i64", "i8_as_i32");
        try
        {
            Assert.Equal([(1L << 53) + 1 + (1L << 40), 4L, -4L], outputs[0].ToArray<long>());
            Assert.Equal([false, true, false], outputs[1].ToArray<bool>());
            Assert.Equal([true, false, false], outputs[2].ToArray<bool>());
            Assert.Equal([0L, 200L, 255L], outputs[3].ToArray<long>());
            Assert.Equal([-128, -1, 127], outputs[4].ToArray<int>());
        }
        finally
        {
            foreach (var output in outputs) output.Dispose();
        }
    }

    [Fact]
    public void TensorsOverCallerMemoryAreNotCopied()
    {
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("x", OnnxElementType.Float, 4);
        builder.AddOutput("y", OnnxElementType.Float, 4);
        builder.AddNode("Neg", ["x"], ["y"]);
        using var session = OnnxSession.Load(builder.ToBytes(), OneThread);

        var input = new float[] { 1, 2, 3, 4 };
        var output = new float[4];
        using var x = OnnxValue.CreateTensor(input, 4);
        using var y = OnnxValue.CreateTensor(output, 4);
        session.Run(["x"], [x], ["y"], [y]);
        Assert.Equal([-1f, -2, -3, -4], output); // ORT wrote straight into our array

        input[2] = 30; // and reads our array on the next run, not a snapshot
        session.Run(["x"], [x], ["y"], [y]);
        Assert.Equal([-1f, -2, -30, -4], output);
        Assert.Equal(-30f, y.GetTensorSpan<float>()[2]);
    }

    [Fact]
    public void AllocatedTensorIsWritableAndTyped()
    {
        using var value = OnnxValue.Allocate<long>(2, 3);
        Assert.Equal(OnnxElementType.Int64, value.ElementType);
        Assert.Equal([2L, 3L], value.Shape);
        var span = value.GetTensorSpan<long>();
        Assert.Equal(6, span.Length);
        for (var i = 0; i < span.Length; i++) span[i] = i * 10;
        Assert.Equal([0L, 10, 20, 30, 40, 50], value.ToArray<long>());
        Assert.Throws<InvalidOperationException>(() => value.GetTensorSpan<int>());
    }
}
