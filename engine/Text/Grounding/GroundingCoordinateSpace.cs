using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Text.Grounding;

/// <summary>What the numbers in a model's boxes mean (sources in GROUNDING.md).</summary>
public enum GroundingCoordinateSpace
{
    /// <summary>0…1000 across each side of the image, whatever its size (Qwen3-VL, and Qwen2-VL).</summary>
    Relative1000,

    /// <summary>Pixels of the image as the model saw it: the smart_resize output, grid × patch size (Qwen2.5-VL).</summary>
    ResizedInputPixels,
}

public static class GroundingCoordinateSpaces
{
    /// <summary>The space <paramref name="family"/> writes its boxes in.</summary>
    public static GroundingCoordinateSpace Of(QwenVlFamily family) =>
        family == QwenVlFamily.Qwen25Vl ? GroundingCoordinateSpace.ResizedInputPixels : GroundingCoordinateSpace.Relative1000;
}
