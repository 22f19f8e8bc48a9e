namespace VLOrleans.Engine.Generation.Sampling;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a small, fully specified generator, so a seeded request gives
/// the same tokens on every .NET version and machine (System.Random's algorithm is an implementation
/// detail). One instance per sequence; not thread-safe.
/// </summary>
public sealed class SamplingRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SamplingRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>A generator seeded from the OS's entropy, for requests without a seed.</summary>
    public static SamplingRandom FromEntropy() => new((ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.NextInt64() << 1));

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
