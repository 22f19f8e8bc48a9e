using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VLOrleans.Engine.Imaging;

/// <summary>
/// The vision-cache key: SHA-256 over width and height (int32 little-endian each) followed by the
/// RGB pixels, lowercase hex. Hashing decoded pixels (not file bytes) makes the same picture
/// re-encoded or re-wrapped (e.g. EXIF stripped) hit the same cache entry.
/// </summary>
public static class ContentHash
{
    public static string Of(RgbImage image)
    {
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(size, image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(size[4..], image.Height);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(size);
        sha.AppendData(image.Pixels);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
