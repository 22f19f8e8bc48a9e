namespace VLOrleans.Engine.Text.Grounding;

/// <summary>
/// The two sizes of one image that converting its boxes needs: the original (upright, as a viewer shows it) and the
/// model's input after smart_resize (grid × patch size; <c>QwenImageProcessor.GetResizedSize</c> computes it, and a
/// prepared image's grid times the patch size gives the same).
/// </summary>
public sealed record GroundingFrame(int OriginalWidth, int OriginalHeight, int ResizedWidth, int ResizedHeight)
{
    /// <summary>From the original size and the patch grid the vision encoder ran on.</summary>
    public static GroundingFrame FromGrid(int originalWidth, int originalHeight, GridThw grid, int patchSize) =>
        new(originalWidth, originalHeight, grid.W * patchSize, grid.H * patchSize);
}
