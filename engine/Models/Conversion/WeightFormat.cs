namespace VLOrleans.Engine.Models.Conversion;

/// <summary>How the converter stores the weights of the linear layers (norms, biases and the position table stay fp32).</summary>
public enum WeightFormat
{
    /// <summary>float32 initializers, plain MatMul.</summary>
    Fp32,

    /// <summary>float16 initializers followed by Cast to float32, so the graph still runs on ONNX Runtime's fp32 CPU
    /// kernels. ORT constant-folds the Cast at session load, so the file is half the size but the loaded session holds
    /// fp32 weights (same RAM as <see cref="Fp32"/>).</summary>
    Fp16,

    /// <summary>8-bit block-quantised weights, <c>com.microsoft.MatMulNBits</c> bits=8.</summary>
    Int8,

    /// <summary>4-bit block-quantised weights, <c>com.microsoft.MatMulNBits</c> bits=4.</summary>
    Int4,

    /// <summary>int8 weights with one scale per output column, <c>com.microsoft.DynamicQuantizeMatMul</c>: the
    /// activations are quantised to uint8 on the fly (one scale per tensor) and the product runs on MLAS's integer GEMM —
    /// measured here at ~937 GFLOP/s for a 300×2048×6144 product, 7× fp32 MatMul and MatMulNBits (ARCHITECTURE.md).
    /// The price is the per-tensor activation scale; layers listed in <see cref="ConversionOptions.KeepPrecise"/> stay
    /// in <see cref="ConversionOptions.PreciseFormat"/>.</summary>
    W8A8,
}

/// <summary>The names the command line, file names and the manifest use (fp32, fp16, int8, int4, w8a8).</summary>
public static class WeightFormats
{
    public static string ToName(this WeightFormat format) => format switch
    {
        WeightFormat.Fp32 => "fp32",
        WeightFormat.Fp16 => "fp16",
        WeightFormat.Int8 => "int8",
        WeightFormat.Int4 => "int4",
        WeightFormat.W8A8 => "w8a8",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static bool TryParse(string name, out WeightFormat format)
    {
        switch (name.ToLowerInvariant())
        {
            case "fp32": format = WeightFormat.Fp32; return true;
            case "fp16": format = WeightFormat.Fp16; return true;
            case "int8": format = WeightFormat.Int8; return true;
            case "int4": format = WeightFormat.Int4; return true;
            case "w8a8": format = WeightFormat.W8A8; return true;
            default: format = default; return false;
        }
    }

    /// <summary>Bits per weight of the block-quantised (MatMulNBits) formats; 0 for the float formats and w8a8.</summary>
    public static int QuantizedBits(this WeightFormat format) => format switch
    {
        WeightFormat.Int8 => 8,
        WeightFormat.Int4 => 4,
        _ => 0,
    };
}
