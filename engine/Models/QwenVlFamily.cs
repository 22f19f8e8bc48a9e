namespace VLOrleans.Engine.Models;

/// <summary>The Qwen vision-language families this project runs; they differ in the vision tower, the decoder's
/// attention details, the M-RoPE layout and the image processor (QWEN_VL_FACTS.md §2).</summary>
public enum QwenVlFamily
{
    /// <summary>Qwen2-VL: patch 14, LayerNorm ViT with quick_gelu, chunked M-RoPE [16,24,24].</summary>
    Qwen2Vl,

    /// <summary>Qwen2.5-VL: patch 14, RMSNorm ViT with SwiGLU and window attention, chunked M-RoPE.</summary>
    Qwen25Vl,

    /// <summary>Qwen3-VL: patch 16, learned position table, DeepStack, q/k norm, interleaved M-RoPE.</summary>
    Qwen3Vl,
}
