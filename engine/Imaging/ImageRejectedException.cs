namespace VLOrleans.Engine.Imaging;

/// <summary>
/// An image the decoder refuses: bad, hostile or unsupported input (never a bug or a missing
/// library). <see cref="Code"/> is stable; <see cref="Exception.Message"/> is for people.
/// </summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejectionReason reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    public ImageRejectionReason Reason { get; }

    /// <summary>The wire code: `empty`, `too_large`, `unsupported_format`, `corrupt`, `truncated`, `too_many_pixels`, `aspect_ratio`, `too_small`.</summary>
    public string Code => Reason.ToCode();
}
