namespace VLOrleans.Engine.OnnxGraph;

/// <summary>
/// One dimension of a graph input/output: a fixed size or a symbolic name (e.g. "batch"), which ONNX
/// Runtime reports back as a -1 dimension with that name. Converts implicitly from long and string, so
/// <c>["batch", 4]</c> is a valid shape.
/// </summary>
public readonly record struct OnnxDim
{
    private OnnxDim(long? value, string? symbol) { Value = value; Symbol = symbol; }

    /// <summary>The fixed size, or null when symbolic.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name, or null when fixed.</summary>
    public string? Symbol { get; }

    public static OnnxDim Fixed(long value) =>
        value >= 0 ? new(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "a fixed dimension is >= 0; use a symbolic name for unknown sizes");

    public static OnnxDim Symbolic(string name) =>
        !string.IsNullOrEmpty(name) ? new(null, name) : throw new ArgumentException("a symbolic dimension needs a name", nameof(name));

    public static implicit operator OnnxDim(long value) => Fixed(value);

    public static implicit operator OnnxDim(string name) => Symbolic(name);

    public override string ToString() => Symbol ?? Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
