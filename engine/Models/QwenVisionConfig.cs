namespace VLOrleans.Engine.Models;

/// <summary>The vision tower's hyper-parameters, normalised across families (Qwen2-VL names the width
/// <c>embed_dim</c> and the merger output <c>hidden_size</c>; later families use <c>hidden_size</c> and <c>out_hidden_size</c>).</summary>
public sealed record QwenVisionConfig
{
    /// <summary>Number of ViT blocks.</summary>
    public required int Depth { get; init; }

    /// <summary>ViT width E.</summary>
    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }
    public required int HeadCount { get; init; }
    public required int PatchSize { get; init; }
    public required int TemporalPatchSize { get; init; }
    public required int SpatialMergeSize { get; init; }
    public required int InChannels { get; init; }

    /// <summary>Width of the merger's output (= the text hidden size).</summary>
    public required int OutHiddenSize { get; init; }

    public required string HiddenAct { get; init; }

    /// <summary>Qwen3-VL's learned position table size (2304 = 48×48); 0 when the family has none.</summary>
    public int PositionEmbeddingCount { get; init; }

    /// <summary>Qwen3-VL: ViT blocks whose output feeds a DeepStack merger; empty otherwise.</summary>
    public int[] DeepstackVisualIndexes { get; init; } = [];

    /// <summary>Qwen2.5-VL window attention: window in pixels (112) and the blocks that attend globally.</summary>
    public int WindowSize { get; init; }

    public int[] FullAttentionBlockIndexes { get; init; } = [];

    /// <summary>Qwen2.5-VL's temporal scaling of video positions.</summary>
    public double TokensPerSecond { get; init; }

    public int HeadDim => HiddenSize / HeadCount;

    /// <summary>Values per row of <c>pixel_values</c>: C·T·P·P (1176 for P=14, 1536 for P=16).</summary>
    public int PatchRowLength => InChannels * TemporalPatchSize * PatchSize * PatchSize;
}
