namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>Short constructors for rejections, so decoders read as decisions.</summary>
internal static class Reject
{
    public static ImageRejectedException Corrupt(string message) => new(ImageRejectionReason.Corrupt, message);

    public static ImageRejectedException Truncated(string message) => new(ImageRejectionReason.Truncated, message);

    public static ImageRejectedException Unsupported(string message) => new(ImageRejectionReason.UnsupportedFormat, message);
}
