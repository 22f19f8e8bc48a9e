using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.OnnxGraph;

/// <summary>
/// A node attribute (ONNX <c>AttributeProto</c>): float, int, string, tensor, graph, floats, ints or strings.
/// Immutable; build with the static factories.
/// </summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(AttributeProto proto) => Proto = proto;

    internal AttributeProto Proto { get; }

    /// <summary>The attribute name as the operator schema spells it (e.g. "axis", "num_heads").</summary>
    public string Name => Proto.Name;

    public static OnnxAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Float, F = value });

    public static OnnxAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Int, I = value });

    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });

    public static OnnxAttribute Floats(string name, params ReadOnlySpan<float> values)
    {
        var proto = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Floats };
        foreach (var v in values) proto.Floats.Add(v);
        return new(proto);
    }

    public static OnnxAttribute Ints(string name, params ReadOnlySpan<long> values)
    {
        var proto = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Ints };
        foreach (var v in values) proto.Ints.Add(v);
        return new(proto);
    }

    public static OnnxAttribute Strings(string name, params ReadOnlySpan<string> values)
    {
        var proto = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Strings };
        foreach (var v in values) proto.Strings.Add(ByteString.CopyFrom(Encoding.UTF8.GetBytes(v)));
        return new(proto);
    }

    /// <summary>A tensor attribute (e.g. Constant's "value"), stored inline in the model.</summary>
    public static OnnxAttribute Tensor<T>(string name, ReadOnlySpan<T> data, params ReadOnlySpan<long> dims) where T : unmanaged
    {
        var tensor = TensorProtos.Inline(name: "", OnnxElementTypes.Of<T>(), dims, MemoryMarshal.AsBytes(data));
        return new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Tensor, T = tensor });
    }

    /// <summary>A graph attribute (e.g. If's branches); built by <see cref="OnnxModelBuilder.AddIf"/>.</summary>
    internal static OnnxAttribute Graph(string name, GraphProto graph) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Graph, G = graph });

    private static string CheckName(string name) =>
        !string.IsNullOrEmpty(name) ? name : throw new ArgumentException("an attribute needs a name", nameof(name));
}
