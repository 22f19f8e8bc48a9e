namespace VLOrleans.Engine.Text;

/// <summary>
/// A vision grid in patches, as in <c>image_grid_thw</c>: T temporal patches (1 for an image), H and W spatial
/// patches (image height/width divided by the patch size, 14 or 16). The language model sees T·H·W/merge²
/// tokens (merge = 2: each 2×2 group of patches becomes one token).
/// </summary>
public readonly record struct GridThw(int T, int H, int W)
{
    /// <summary>Number of <c>&lt;|image_pad|&gt;</c> tokens this grid stands for: T·H·W/merge².</summary>
    public int TokenCount(int mergeSize = 2)
    {
        Validate(mergeSize);
        var count = (long)T * H * W / (mergeSize * mergeSize);
        return count <= int.MaxValue ? (int)count
            : throw new TextException(TextErrorCode.InvalidGrid, $"Grid {this} stands for {count} tokens, more than any prompt can hold.");
    }

    /// <summary>Throws <see cref="TextException"/> (InvalidGrid) unless T, H, W are positive and H, W divisible by the merge size.</summary>
    public void Validate(int mergeSize = 2)
    {
        if (mergeSize <= 0) throw new ArgumentOutOfRangeException(nameof(mergeSize), mergeSize, "merge size must be positive");
        if (T <= 0 || H <= 0 || W <= 0 || H % mergeSize != 0 || W % mergeSize != 0)
            throw new TextException(TextErrorCode.InvalidGrid,
                $"Grid (t={T}, h={H}, w={W}) is not valid: all must be positive and h, w multiples of the merge size {mergeSize}.");
    }
}
