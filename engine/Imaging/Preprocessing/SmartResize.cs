namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Qwen's <c>smart_resize</c>: the target size whose sides are multiples of <c>factor</c> = patch·merge and whose
/// pixel count lies in [min_pixels, max_pixels], keeping the aspect ratio as closely as possible.
/// </summary>
/// <remarks>
/// Follows Hugging Face transformers' current <c>image_processing_qwen2_vl.smart_resize</c> (the function the slow
/// and fast Qwen2/2.5/3-VL processors share), step by step in IEEE double like Python:
/// <list type="number">
/// <item>max/min &gt; 200 → error (<see cref="PreprocessingErrorCode.AspectRatioTooLarge"/>); exactly 200 passes.</item>
/// <item>h' = round(h/f)·f, w' = round(w/f)·f with Python's round, i.e. ties to EVEN (70/28 = 2.5 → 2 → 56);
///   onnxruntime-extensions' std::round and transformers.js' Math.round round ties up and can differ by one factor.</item>
/// <item>h'·w' &gt; max → β = √(h·w/max); h' = max(f, ⌊h/β/f⌋·f), same for w'. The <c>max(f, …)</c> guard is
///   in current HF (older code had none and could return 0 for a 200:1 image under a small max_pixels); we follow it
///   because a zero side can never be processed.</item>
/// <item>else h'·w' &lt; min → β = √(min/(h·w)); h' = ⌈h·β/f⌉·f, same for w'.</item>
/// </list>
/// Not followed: the old "height or width &lt; factor → error" rule (removed from HF; a 10×10 image is upscaled to
/// 56×56 instead), and transformers.js' extra pre-scaling of sides below the factor (not in HF's image processor).
/// </remarks>
public static class SmartResize
{
    public const double MaxAspectRatio = 200;

    /// <summary>The resized (height, width) for an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static (int Height, int Width) Compute(int height, int width, QwenPreprocessorConfig config) =>
        Compute(height, width, config.Factor, config.MinPixels, config.MaxPixels);

    /// <summary>See the type remarks; all arguments must be positive except <paramref name="minPixels"/> (≥ 0).</summary>
    public static (int Height, int Width) Compute(int height, int width, int factor, long minPixels, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        double ratio = (double)Math.Max(height, width) / Math.Min(height, width);
        if (ratio > MaxAspectRatio)
            throw new PreprocessingException(PreprocessingErrorCode.AspectRatioTooLarge,
                $"image is {width}x{height}: its aspect ratio {ratio:0.###} exceeds the model's limit of {MaxAspectRatio}");

        double h = height, w = width, f = factor;
        double hBar = Math.Round(h / f, MidpointRounding.ToEven) * f;
        double wBar = Math.Round(w / f, MidpointRounding.ToEven) * f;
        if (hBar * wBar > maxPixels)
        {
            double beta = Math.Sqrt(h * w / maxPixels);
            hBar = Math.Max(f, Math.Floor(h / beta / f) * f);
            wBar = Math.Max(f, Math.Floor(w / beta / f) * f);
        }
        else if (hBar * wBar < minPixels)
        {
            double beta = Math.Sqrt(minPixels / (h * w));
            hBar = Math.Ceiling(h * beta / f) * f;
            wBar = Math.Ceiling(w * beta / f) * f;
        }

        // Sizes stay below 2^31 unless min_pixels is absurd; refuse rather than wrap.
        if (hBar > int.MaxValue || wBar > int.MaxValue)
            throw new PreprocessingException(PreprocessingErrorCode.OutputTooLarge,
                $"image {width}x{height} would resize to {wBar}x{hBar}, beyond any supported size");
        if (hBar < 1 || wBar < 1)
            throw new PreprocessingException(PreprocessingErrorCode.EmptyResult,
                $"image {width}x{height} would resize to {wBar}x{hBar} (min_pixels {minPixels}); a side of 0 cannot be processed");
        return ((int)hBar, (int)wBar);
    }
}
