using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging;

/// <summary>Encodes an <see cref="RgbImage"/> as a JPEG in memory (libjpeg-turbo), e.g. to make benchmark and test inputs.</summary>
public static class JpegEncoder
{
    public static byte[] Encode(RgbImage image, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        return TurboJpegCompress.EncodeRgb(image.Pixels, image.Width, image.Height, quality);
    }
}
