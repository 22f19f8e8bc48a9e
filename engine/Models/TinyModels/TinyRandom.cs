using System.Text;

namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>
/// Deterministic noise for generated weights. Each tensor gets its own SplitMix64 stream seeded from
/// (seed, tensor name), so a tensor's values do not depend on the order tensors are written in and the
/// same seed gives byte-identical files. Samples are Irwin–Hall(4) (sum of four 16-bit uniforms, rescaled
/// to unit variance): close enough to normal for random init and one 64-bit draw per value, which keeps
/// the 2.1 B values of the 2b preset to seconds.
/// </summary>
public sealed class TinyRandom
{
    // std of the sum of four uniforms on {0..65535} is sqrt(4·(65536²−1)/12) ≈ 65536/√3.
    private static readonly double Scale = Math.Sqrt(3.0) / 65536.0;
    private ulong _state;

    public TinyRandom(ulong seed, string tensorName)
    {
        // FNV-1a over the UTF-8 name, mixed with the seed.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(tensorName))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        _state = hash ^ (seed * 0x9E3779B97F4A7C15UL);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Fills <paramref name="destination"/> with mean + std · (approximately standard normal).</summary>
    public void FillNormal(Span<float> destination, double mean, double std)
    {
        var scale = std * Scale;
        for (var i = 0; i < destination.Length; i++)
        {
            var r = NextUInt64();
            long sum = (long)(r & 0xFFFF) + (long)((r >> 16) & 0xFFFF) + (long)((r >> 32) & 0xFFFF) + (long)(r >> 48);
            destination[i] = (float)(mean + (sum - 131070) * scale);
        }
    }
}
