namespace VLOrleans.Engine.OnnxGraph;

/// <summary>Where and how <see cref="OnnxModelBuilder.ToFile"/> writes initializer bytes.</summary>
public sealed record OnnxExternalDataOptions
{
    /// <summary>File name beside the model; null means "&lt;model file name&gt;.data" (e.g. decoder.onnx.data).</summary>
    public string? FileName { get; init; }

    /// <summary>Offset alignment in bytes, a power of two. 4096 lets readers memory-map each tensor.</summary>
    public int Alignment { get; init; } = 4096;

    /// <summary>
    /// Tensors smaller than this stay inline in the .onnx (shape constants, norms' scalars): 1 KiB keeps
    /// the model file small while avoiding a 4 KiB-aligned slot for each 8-byte constant.
    /// </summary>
    public long InlineThresholdBytes { get; init; } = 1024;
}
