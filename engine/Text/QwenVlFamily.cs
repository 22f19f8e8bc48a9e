namespace VLOrleans.Engine.Text;

/// <summary>The Qwen vision-language model families; they differ in chat template and video position ids.</summary>
public enum QwenVlFamily
{
    /// <summary>Qwen2-VL: temporal position = frame index.</summary>
    Qwen2Vl,
    /// <summary>Qwen2.5-VL: temporal position = floor(frame · second_per_grid_t · tokens_per_second) for video.</summary>
    Qwen25Vl,
    /// <summary>Qwen3-VL: each video frame is its own grid with t = 1 (timestamps live in the text).</summary>
    Qwen3Vl,
}
