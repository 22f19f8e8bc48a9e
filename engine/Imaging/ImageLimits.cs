namespace VLOrleans.Engine.Imaging;

/// <summary>
/// Every limit the decoder enforces. All pixel checks run on the header, before any pixel buffer
/// exists, so a decompression bomb never allocates.
/// </summary>
public sealed record ImageLimits
{
    public static ImageLimits Default { get; } = new();

    /// <summary>Encoded size cap (64 MiB: the largest corpus photo is 3.5 MB; a 50 MP JPEG is ~25 MB).</summary>
    public long MaxEncodedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Declared pixel cap, any format (64 Mi px = 67,108,864: admits 50 MP phone photos and the
    /// 8192×4096 panorama, rejects 20000×14000 and 65536² bombs). Formats that cannot scale while
    /// decoding (PNG, GIF, BMP, animated WebP) allocate up to this many pixels × 3 (or × 4 with alpha).
    /// </summary>
    public long MaxPixels { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// DCT-scaling threshold: a JPEG (or still WebP) with more pixels than this is decoded
    /// scaled down, by the largest TurboJPEG factor n/8 (libwebp: any factor) that brings it to
    /// ≤ this. 16,777,216 = Qwen3-VL's max_pixels (16384·32²), above which the processor
    /// downsizes anyway, so more decoded pixels would be thrown away.
    /// </summary>
    public long MaxDecodePixels { get; init; } = 16L * 1024 * 1024;

    /// <summary>Long side / short side cap; 200 as Qwen's smart_resize, which raises above it.</summary>
    public double MaxAspectRatio { get; init; } = 200;

    /// <summary>Smallest accepted side in pixels. 1: Qwen's current processor upsizes small images itself.</summary>
    public int MinSide { get; init; } = 1;
}
