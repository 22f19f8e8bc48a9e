namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// Which kernel a decoder graph attends with where its KV cache is float16 (an fp32 cache always gets
/// <c>com.microsoft.GroupQueryAttention</c>; the engine's own op reads float16 only).
/// </summary>
public enum DecoderAttention
{
    /// <summary>GroupQueryAttention everywhere: the graph loads in any ONNX Runtime.</summary>
    GroupQuery,

    /// <summary>The engine's own <c>vlorleans.DecodeAttention</c> everywhere: for graphs that only run decode steps.</summary>
    Own,

    /// <summary>
    /// An <c>If</c> on the chunk length: runs of one token per row (decode steps) take the engine's own op, longer chunks
    /// (prefill) keep GroupQueryAttention, whose CPU kernel is the faster of the two there. One set of weights serves
    /// both, so decode steps of any row count get the cheaper attention at no memory cost.
    /// </summary>
    OwnForDecodeSteps,
}
