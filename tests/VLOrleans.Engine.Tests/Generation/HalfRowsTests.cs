using System.Runtime.Intrinsics;
using VLOrleans.Engine.Generation.Attention;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The integer float16 → float32 widening of the decode attention's 512-bit path, against .NET's own conversion for
/// every float16 bit pattern a KV cache can hold: both zeros, all subnormals, all normals, both signs (±inf/NaN are
/// excluded: attention over finite inputs never writes them).
/// </summary>
public sealed class HalfRowsTests
{
    [Fact]
    public void WideningMatchesTheRuntimeForEveryFiniteFloat16()
    {
        var patterns = Enumerable.Range(0, 1 << 16).Where(bits => (bits & 0x7C00) != 0x7C00).ToArray();
        Assert.Equal(63_488, patterns.Length);
        var lanes = new int[16];
        for (var start = 0; start < patterns.Length; start += 16)
        {
            var count = Math.Min(16, patterns.Length - start);
            for (var i = 0; i < 16; i++) lanes[i] = (short)(ushort)patterns[start + Math.Min(i, count - 1)]; // sign-extended, as Widen gives them
            var widened = HalfRows.ToSingle(Vector512.Create(lanes));
            for (var i = 0; i < count; i++)
            {
                var half = BitConverter.UInt16BitsToHalf((ushort)patterns[start + i]);
                Assert.True(BitConverter.SingleToInt32Bits((float)half) == BitConverter.SingleToInt32Bits(widened[i]),
                    $"0x{patterns[start + i]:X4}: expected {(float)half:R}, got {widened[i]:R}");
            }
        }
    }
}
