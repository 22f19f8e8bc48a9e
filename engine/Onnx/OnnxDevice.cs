using System.Globalization;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// Where a session runs, as configuration writes it: <c>cpu</c>, <c>cuda</c> (= <c>cuda:0</c>) or <c>cuda:N</c>
/// (e.g. <c>VLO__Engine__Device=cuda:0</c>; the vision encoder and the decoder may name different devices).
/// </summary>
public readonly record struct OnnxDevice(OnnxExecutionProvider Provider, int Index)
{
    public static OnnxDevice Cpu => new(OnnxExecutionProvider.Cpu, 0);

    public bool IsCuda => Provider == OnnxExecutionProvider.Cuda;

    public static bool TryParse(string? text, out OnnxDevice device)
    {
        device = Cpu;
        var t = text?.Trim().ToLowerInvariant();
        if (t is "cpu") return true;
        if (t is "cuda" or "gpu") { device = new(OnnxExecutionProvider.Cuda, 0); return true; }
        if (t is not null && t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index <= 64)
        {
            device = new(OnnxExecutionProvider.Cuda, index);
            return true;
        }
        return false;
    }

    /// <summary>Parses or throws with the accepted forms.</summary>
    public static OnnxDevice Parse(string? text) =>
        TryParse(text, out var device) ? device : throw new FormatException($"device '{text}' is not one of: cpu, cuda, cuda:N (N = 0..64)");

    public override string ToString() => IsCuda ? $"cuda:{Index.ToString(CultureInfo.InvariantCulture)}" : "cpu";
}
