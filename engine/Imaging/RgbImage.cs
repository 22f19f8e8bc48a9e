namespace VLOrleans.Engine.Imaging;

/// <summary>
/// A decoded image as 8-bit RGB, row-major, 3 bytes per pixel, no padding between rows
/// (stride = 3·Width). This is the hand-off between decoding (orientation applied, alpha
/// composited over white, every colour model converted) and Qwen preprocessing.
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.LongLength != 3L * width * height)
            throw new ArgumentException($"expected {3L * width * height} bytes for {width}x{height} RGB, got {pixels.LongLength}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>RGB bytes, row-major, stride 3·Width.</summary>
    public byte[] Pixels { get; }

    public int Stride => 3 * Width;
}
