namespace VLOrleans.Engine.Models.Conversion;

/// <summary>Which execution provider a converted variant is written for.</summary>
public enum ConversionTarget
{
    /// <summary>ONNX Runtime's CPU provider: any format, the engine's own decode attention where the cache is float16.</summary>
    Cpu,

    /// <summary>
    /// The CUDA provider: only ops with CUDA kernels, so no node falls back to the CPU and drags the KV cache across
    /// PCIe every step. fp16 weights or int4 <c>MatMulNBits</c> (both have CUDA kernels; w8a8's DynamicQuantizeMatMul is
    /// CPU-only), GroupQueryAttention throughout (the engine's <c>vlorleans.DecodeAttention</c> is a CPU kernel) over a
    /// float16 cache (CUDA's GroupQueryAttention takes float16/bfloat16 only). The variant is named <c>cuda-&lt;weights&gt;</c>
    /// so it sits beside the CPU variants of the same package.
    /// </summary>
    Cuda,
}
