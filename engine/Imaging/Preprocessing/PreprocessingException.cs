namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>Stable reasons why an image or a preprocessor configuration was refused.</summary>
public enum PreprocessingErrorCode
{
    /// <summary>max(h,w)/min(h,w) exceeds 200, the limit of Qwen's smart_resize.</summary>
    AspectRatioTooLarge,

    /// <summary>The resized image would have a zero side (only possible with min_pixels = 0).</summary>
    EmptyResult,

    /// <summary>The output tensor would exceed what one .NET array can hold.</summary>
    OutputTooLarge,

    /// <summary>With do_resize false the image sides must already be multiples of patch·merge.</summary>
    SizeNotAligned,

    /// <summary>preprocessor_config.json is not valid JSON or holds an impossible value.</summary>
    InvalidConfig,
}

/// <summary>
/// Thrown when an image cannot be turned into pixel_values, or a preprocessor config is unusable.
/// <see cref="Code"/> is stable (for HTTP problem codes); the message is for people.
/// </summary>
public sealed class PreprocessingException(PreprocessingErrorCode code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public PreprocessingErrorCode Code { get; } = code;
}
