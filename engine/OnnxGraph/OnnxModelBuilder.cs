using System.Runtime.InteropServices;
using Google.Protobuf;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.OnnxGraph;

/// <summary>
/// Builds one ONNX model: opset imports, graph inputs/outputs, initializers, nodes.
/// Two modes:
/// <list type="bullet">
/// <item><see cref="InMemory"/>: everything inline; <see cref="ToBytes"/> gives the model (for tests and small graphs; 2 GB protobuf cap).</item>
/// <item><see cref="ToFile"/>: initializers of at least <see cref="OnnxExternalDataOptions.InlineThresholdBytes"/> stream straight
/// into the external-data file as they are added (see <see cref="ExternalDataWriter"/>); <see cref="Save"/> writes the small .onnx.</item>
/// </list>
/// Nodes must be added in topological order (ONNX requires it; the writer does not sort).
/// Not thread-safe: one builder per converter thread.
/// </summary>
public sealed class OnnxModelBuilder : IDisposable
{
    /// <summary>ONNX IR version 10 (ONNX 1.16) is the one that carries opset 21.</summary>
    public const long IrVersion = 10;

    /// <summary>Default ai.onnx opset: 21 is supported by ONNX Runtime 1.30 (which goes up to 23).</summary>
    public const long DefaultOpset = 21;

    /// <summary>The contrib-op domain (MatMulNBits, GroupQueryAttention, ...), version 1.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private readonly ModelProto _model;
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly string? _modelPath;
    private readonly ExternalDataWriter? _externalData;
    private readonly long _inlineThresholdBytes;
    private int _nodeCounter;
    private int _constantCounter;
    private bool _saved;

    private OnnxModelBuilder(string graphName, string? modelPath, OnnxExternalDataOptions? externalData)
    {
        _model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "VLOrleans",
            Graph = new GraphProto { Name = graphName },
        };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = DefaultOpset });
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        _modelPath = modelPath;
        if (modelPath is not null)
        {
            var options = externalData ?? new OnnxExternalDataOptions();
            var location = options.FileName ?? Path.GetFileName(modelPath) + ".data";
            if (location != Path.GetFileName(location)) throw new ArgumentException("the external data file name must not contain a folder", nameof(externalData));
            var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
            _externalData = new ExternalDataWriter(Path.Combine(folder, location), location, options.Alignment);
            _inlineThresholdBytes = options.InlineThresholdBytes;
        }
    }

    /// <summary>A model kept whole in memory (all initializers inline).</summary>
    public static OnnxModelBuilder InMemory(string graphName = "main") => new(graphName, null, null);

    /// <summary>
    /// A model to be saved at <paramref name="modelPath"/>; the external-data file (default
    /// <c>&lt;model file name&gt;.data</c>, in the same folder) is created now and filled as initializers are added.
    /// </summary>
    public static OnnxModelBuilder ToFile(string modelPath, OnnxExternalDataOptions? externalData = null, string graphName = "main") =>
        new(graphName, modelPath ?? throw new ArgumentNullException(nameof(modelPath)), externalData);

    /// <summary>Bytes written to the external-data file so far (0 for in-memory models).</summary>
    public long ExternalDataLength => _externalData?.Length ?? 0;

    /// <summary>Sets (or adds) the opset version imported for <paramref name="domain"/> ("" is ai.onnx).</summary>
    public void SetOpset(string domain, long version)
    {
        foreach (var opset in _model.OpsetImport)
        {
            if (opset.Domain == domain) { opset.Version = version; return; }
        }
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
    }

    /// <summary>Adds a key/value pair to the model's metadata_props (readable from a session).</summary>
    public void AddMetadata(string key, string value) =>
        _model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    public void AddInput(string name, OnnxElementType type, params ReadOnlySpan<OnnxDim> dims) =>
        _model.Graph.Input.Add(ValueInfo(name, type, dims));

    public void AddOutput(string name, OnnxElementType type, params ReadOnlySpan<OnnxDim> dims) =>
        _model.Graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>Adds a constant tensor; returns <paramref name="name"/> for use as a node input.</summary>
    public string AddInitializer<T>(string name, ReadOnlySpan<T> data, params ReadOnlySpan<long> dims) where T : unmanaged =>
        AddInitializer(name, OnnxElementTypes.Of<T>(), MemoryMarshal.AsBytes(data), dims);

    /// <summary>Adds a constant tensor from little-endian raw bytes (e.g. packed 4-bit weights as UInt8).</summary>
    public string AddInitializer(string name, OnnxElementType type, ReadOnlySpan<byte> bytes, params ReadOnlySpan<long> dims)
    {
        TensorProtos.EnsureLittleEndian();
        Claim(name);
        var tensor = TensorProtos.Header(name, type, dims, bytes.Length);
        if (_externalData is not null && bytes.Length >= _inlineThresholdBytes) _externalData.Append(tensor, bytes);
        else tensor.RawData = ByteString.CopyFrom(bytes);
        _model.Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>
    /// Adds a constant tensor whose <paramref name="byteCount"/> little-endian bytes are read from
    /// <paramref name="source"/> (a weights file), without buffering the whole tensor. If the source ends
    /// early this throws <see cref="EndOfStreamException"/> and the builder should be discarded (the partial
    /// bytes stay in the data file and the name stays taken).
    /// </summary>
    public string AddInitializer(string name, OnnxElementType type, Stream source, long byteCount, params ReadOnlySpan<long> dims)
    {
        TensorProtos.EnsureLittleEndian();
        Claim(name);
        var tensor = TensorProtos.Header(name, type, dims, byteCount);
        if (_externalData is not null && byteCount >= _inlineThresholdBytes)
        {
            _externalData.Append(tensor, source, byteCount);
        }
        else
        {
            var bytes = new byte[byteCount];
            source.ReadExactly(bytes);
            tensor.RawData = ByteString.CopyFrom(bytes);
        }
        _model.Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a small constant under a fresh unique name ("const_N"); returns that name.</summary>
    public string AddConstant<T>(ReadOnlySpan<T> data, params ReadOnlySpan<long> dims) where T : unmanaged
    {
        string name;
        do name = $"const_{_constantCounter++}"; while (_valueNames.Contains(name));
        return AddInitializer(name, data, dims);
    }

    /// <summary>A scalar constant (rank 0).</summary>
    public string AddScalar<T>(T value) where T : unmanaged => AddConstant<T>([value]);

    /// <summary>A 1-D int64 constant, the usual shape/axes argument.</summary>
    public string AddInt64s(params ReadOnlySpan<long> values) => AddConstant(values, values.Length);

    /// <summary>
    /// Adds a node. An empty string in <paramref name="inputs"/> marks an omitted optional input.
    /// The node gets <paramref name="name"/> or, when null, a unique "{opType}_{N}".
    /// </summary>
    /// <returns>The node's first output name, for chaining.</returns>
    public string AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IEnumerable<OnnxAttribute>? attributes = null, string domain = "", string? name = null)
    {
        if (string.IsNullOrEmpty(opType)) throw new ArgumentException("a node needs an op type", nameof(opType));
        if (outputs.Count == 0) throw new ArgumentException($"node {opType} needs at least one output", nameof(outputs));
        if (name is null)
        {
            do name = $"{opType}_{_nodeCounter++}"; while (_nodeNames.Contains(name));
        }
        if (!_nodeNames.Add(name)) throw new ArgumentException($"node name '{name}' is already used", nameof(name));
        var node = new NodeProto { OpType = opType, Domain = domain, Name = name };
        node.Input.AddRange(inputs);
        foreach (var output in outputs)
        {
            if (output.Length > 0) Claim(output);
            node.Output.Add(output);
        }
        if (attributes is not null)
        {
            foreach (var attribute in attributes) node.Attribute.Add(attribute.Proto);
        }
        _model.Graph.Node.Add(node);
        return outputs[0];
    }

    /// <summary>
    /// Adds an ONNX <c>If</c> node whose branches each hold one node: <paramref name="whenTrue"/> runs when the scalar
    /// bool <paramref name="condition"/> is true, <paramref name="whenFalse"/> otherwise. Both branches produce
    /// <paramref name="outputs"/> (declared with their types and shapes, which ONNX Runtime checks each run) and read
    /// their inputs from this graph; the weights stay here, so switching kernels per run copies nothing.
    /// </summary>
    /// <returns>The node's first output name, for chaining.</returns>
    public string AddIf(string condition, IReadOnlyList<OnnxTypedValue> outputs, OnnxBranchNode whenTrue, OnnxBranchNode whenFalse, string? name = null)
    {
        name ??= $"If_{_nodeCounter++}";
        return AddNode("If", [condition], outputs.Select(o => o.Name).ToArray(),
            [OnnxAttribute.Graph("then_branch", Branch(name + ".then", whenTrue, outputs)),
             OnnxAttribute.Graph("else_branch", Branch(name + ".else", whenFalse, outputs))], name: name);
    }

    private static GraphProto Branch(string graphName, OnnxBranchNode node, IReadOnlyList<OnnxTypedValue> outputs)
    {
        // Values inside a branch get the branch's prefix: ONNX forbids a subgraph from redefining an outer name.
        var graph = new GraphProto { Name = graphName };
        var proto = new NodeProto { OpType = node.OpType, Domain = node.Domain, Name = graphName + "." + node.OpType };
        proto.Input.AddRange(node.Inputs);
        foreach (var attribute in node.Attributes) proto.Attribute.Add(attribute.Proto);
        foreach (var output in outputs)
        {
            var local = $"{graphName}.{output.Name}";
            proto.Output.Add(local);
            graph.Output.Add(ValueInfo(local, output.Type, output.Dims));
        }
        graph.Node.Add(proto);
        return graph;
    }

    /// <summary>The serialized model; only for in-memory builders (file builders use <see cref="Save"/>).</summary>
    public byte[] ToBytes()
    {
        if (_externalData is not null) throw new InvalidOperationException("this model writes external data; call Save() and load it from its path");
        return _model.ToByteArray();
    }

    /// <summary>Flushes the external data and writes the .onnx file. Once only.</summary>
    public void Save()
    {
        if (_modelPath is null) throw new InvalidOperationException("an in-memory model has no path; use ToBytes()");
        if (_saved) throw new InvalidOperationException("the model was already saved");
        _externalData!.Flush();
        using (var stream = new FileStream(_modelPath, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            _model.WriteTo(stream);
        }
        _externalData.Dispose();
        _saved = true;
    }

    /// <summary>The model as ONNX protobuf (for inspection in tests).</summary>
    internal ModelProto Model => _model;

    public void Dispose() => _externalData?.Dispose();

    private void Claim(string valueName)
    {
        if (string.IsNullOrEmpty(valueName)) throw new ArgumentException("a value needs a name");
        if (!_valueNames.Add(valueName)) throw new ArgumentException($"value '{valueName}' is already produced by another initializer or node");
    }

    private static ValueInfoProto ValueInfo(string name, OnnxElementType type, ReadOnlySpan<OnnxDim> dims)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("a graph input/output needs a name", nameof(name));
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim.Symbol is not null
                ? new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = dim.Value!.Value });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
