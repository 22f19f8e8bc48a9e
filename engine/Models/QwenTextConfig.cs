namespace VLOrleans.Engine.Models;

/// <summary>The language model's hyper-parameters, normalised across the old (top-level, <c>rope_scaling</c>)
/// and new (<c>text_config</c>, <c>rope_parameters</c>) Hugging Face config forms.</summary>
public sealed record QwenTextConfig
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int LayerCount { get; init; }
    public required int AttentionHeadCount { get; init; }
    public required int KeyValueHeadCount { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }

    /// <summary>Frequencies per T/H/W plane, e.g. [16,24,24] (Qwen2/2.5, chunked) or [24,20,20] (Qwen3, interleaved).</summary>
    public required int[] MropeSection { get; init; }

    /// <summary>Qwen3-VL interleaves T/H/W frequencies; Qwen2/2.5 use contiguous chunks.</summary>
    public required bool MropeInterleaved { get; init; }

    /// <summary>q/k/v projections carry a bias (Qwen2/2.5); Qwen3 has none but normalises q and k per head.</summary>
    public required bool AttentionBias { get; init; }

    public required int MaxPositionEmbeddings { get; init; }
    public required string HiddenAct { get; init; }
}
