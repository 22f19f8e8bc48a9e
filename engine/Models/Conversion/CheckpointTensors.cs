using VLOrleans.Engine.Models.Safetensors;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// The checkpoint as the graph builders see it: tensors by their modern (transformers ≥ 4.57) names
/// <c>model.visual.*</c> / <c>model.language_model.*</c> / <c>lm_head.weight</c>, whichever naming the file uses (the older
/// <c>visual.*</c> / <c>model.*</c> names are mapped), read one row block at a time from the memory mapping.
/// </summary>
internal sealed class CheckpointTensors
{
    private const string VisionPrefix = "model.visual.";
    private const string TextPrefix = "model.language_model.";

    private readonly SafetensorsCheckpoint _checkpoint;
    private readonly bool _legacyNames;

    public CheckpointTensors(SafetensorsCheckpoint checkpoint)
    {
        _checkpoint = checkpoint;
        var names = checkpoint.TensorNames.ToList();
        if (names.Any(n => n.StartsWith(VisionPrefix, StringComparison.Ordinal) || n.StartsWith(TextPrefix, StringComparison.Ordinal))) _legacyNames = false;
        else if (names.Any(n => n.StartsWith("visual.", StringComparison.Ordinal))) _legacyNames = true;
        else throw new ModelLoadException("the checkpoint has neither model.visual.* nor visual.* tensors; is it a Qwen-VL checkpoint?");
    }

    /// <summary>The name in the file for a modern name.</summary>
    public string Resolve(string name)
    {
        if (!_legacyNames) return name;
        if (name.StartsWith(VisionPrefix, StringComparison.Ordinal)) return "visual." + name[VisionPrefix.Length..];
        if (name.StartsWith(TextPrefix, StringComparison.Ordinal)) return "model." + name[TextPrefix.Length..];
        return name;
    }

    public bool Contains(string name) => _checkpoint.Contains(Resolve(name));

    /// <summary>Told of every tensor the builders look up (conversion progress); null = nobody listens.</summary>
    public ConversionProgressTracker? Progress { get; init; }

    public SafetensorsTensorInfo Info(string name)
    {
        var resolved = Resolve(name);
        if (!_checkpoint.Contains(resolved)) throw new ModelLoadException($"the checkpoint lacks tensor '{resolved}'");
        var info = _checkpoint.GetInfo(resolved);
        Progress?.Touched(info);
        return info;
    }

    public SafetensorsFile File(string name) => _checkpoint.FileOf(Resolve(name));

    /// <summary>The whole tensor as float32 (for small tensors: norms, biases, the 2304×E position table).</summary>
    public float[] ReadSingle(string name)
    {
        var info = Info(name);
        CheckFloat(info);
        return _checkpoint.ReadSingle(info.Name);
    }

    /// <summary>A tensor viewed as a matrix [rows = shape[0], columns = product of the rest] (HF Linear: [out, in]).</summary>
    public (long Rows, long Columns) MatrixShape(string name)
    {
        var info = Info(name);
        CheckFloat(info);
        if (info.Shape.Length < 2) throw new ModelLoadException($"tensor '{info.Name}' has shape [{string.Join(",", info.Shape)}]; a matrix was expected");
        return (info.Shape[0], info.Shape.Skip(1).Aggregate(1L, (a, b) => a * b));
    }

    /// <summary>Reads <paramref name="destination"/>.Length float32 values starting at element <paramref name="start"/>.</summary>
    public void Read(string name, long start, Span<float> destination)
    {
        var info = Info(name);
        _checkpoint.FileOf(info.Name).ReadSingle(info, start, destination);
    }

    /// <summary>A reader bound to one float tensor (the lookups done once, for row-by-row streaming).</summary>
    public TensorReader Reader(string name)
    {
        var info = Info(name);
        CheckFloat(info);
        return new TensorReader(_checkpoint.FileOf(info.Name), info);
    }

    private static void CheckFloat(SafetensorsTensorInfo info)
    {
        if (info.DType is not (SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.F64))
            throw new ModelLoadException($"tensor '{info.Name}' is {info.DType}; a floating-point tensor was expected");
    }
}

/// <summary>Reads ranges of one float tensor widened to float32.</summary>
internal readonly record struct TensorReader(SafetensorsFile File, SafetensorsTensorInfo Info)
{
    public void Read(long start, Span<float> destination) => File.ReadSingle(Info, start, destination);
}
