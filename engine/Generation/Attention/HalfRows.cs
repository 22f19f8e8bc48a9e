using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VLOrleans.Engine.Generation.Attention;

/// <summary>
/// The two inner loops of decode attention over float16 cache rows, converting each row to float32 in registers:
/// scores = q·k for every query head of a group, and acc += p·v. .NET exposes no half→float instruction (F16C), and
/// <see cref="TensorPrimitives"/> costs ~120 ns per 128-element call here, more than the arithmetic; so with 512-bit
/// vectors a row is widened with integer ops and consumed at once: each float16 is sign-extended to 32 bits and shifted
/// left by 13, which puts its sign at bit 31 and its exponent and mantissa at bits 27..13; masking keeps exactly those,
/// and multiplying by 2¹¹² re-biases the exponent (exact for normal and subnormal values and ±0; ±inf/NaN, which a KV
/// cache never holds, come out finite). Three operations per 16 values. Without 512-bit vectors, the portable path
/// converts and calls <see cref="TensorPrimitives"/>.
/// </summary>
internal static class HalfRows
{
    private const float Rebias = 5.192296858534828e33f; // 2^112 = 2^(127 − 15)

    public static bool Vectorized(int headDim) => Vector512.IsHardwareAccelerated && headDim % 32 == 0;

    /// <summary>scores[g·stride + j] = scale · q[g]·row_j for rows j of <paramref name="rows"/> (each <paramref name="dim"/> halves).</summary>
    public static void Scores(ReadOnlySpan<Half> rows, int count, int dim, ReadOnlySpan<float> q, int group, float scale, Span<float> scores, int stride)
    {
        if (!Vectorized(dim))
        {
            Span<float> row = stackalloc float[dim];
            for (var j = 0; j < count; j++)
            {
                TensorPrimitives.ConvertToSingle(rows.Slice(j * dim, dim), row);
                for (var g = 0; g < group; g++) scores[g * stride + j] = TensorPrimitives.Dot(q.Slice(g * dim, dim), row) * scale;
            }
            return;
        }
        var vectors = dim / 16;
        Span<Vector512<float>> k = stackalloc Vector512<float>[vectors];
        var qv = MemoryMarshal.Cast<float, Vector512<float>>(q[..(group * dim)]);
        for (var j = 0; j < count; j++)
        {
            Widen(rows.Slice(j * dim, dim), k);
            for (var g = 0; g < group; g++)
            {
                var acc = Vector512<float>.Zero;
                var qg = qv.Slice(g * vectors, vectors);
                for (var c = 0; c < vectors; c++) acc = Vector512.FusedMultiplyAdd(qg[c], k[c], acc);
                scores[g * stride + j] = Vector512.Sum(acc) * scale;
            }
        }
    }

    /// <summary>acc[g] += weights[g·stride + j] · row_j for rows j of <paramref name="rows"/>.</summary>
    public static void Accumulate(ReadOnlySpan<Half> rows, int count, int dim, ReadOnlySpan<float> weights, int group, int stride, Span<float> acc)
    {
        if (!Vectorized(dim))
        {
            Span<float> row = stackalloc float[dim];
            for (var j = 0; j < count; j++)
            {
                TensorPrimitives.ConvertToSingle(rows.Slice(j * dim, dim), row);
                for (var g = 0; g < group; g++)
                {
                    var a = acc.Slice(g * dim, dim);
                    TensorPrimitives.MultiplyAdd(row, weights[g * stride + j], a, a);
                }
            }
            return;
        }
        var vectors = dim / 16;
        Span<Vector512<float>> v = stackalloc Vector512<float>[vectors];
        var av = MemoryMarshal.Cast<float, Vector512<float>>(acc[..(group * dim)]);
        for (var j = 0; j < count; j++)
        {
            Widen(rows.Slice(j * dim, dim), v);
            for (var g = 0; g < group; g++)
            {
                var p = Vector512.Create(weights[g * stride + j]);
                var ag = av.Slice(g * vectors, vectors);
                for (var c = 0; c < vectors; c++) ag[c] = Vector512.FusedMultiplyAdd(v[c], p, ag[c]);
            }
        }
    }

    /// <summary>One row of float16 (a multiple of 32) into float32 vectors of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(ReadOnlySpan<Half> row, Span<Vector512<float>> into)
    {
        var halves = MemoryMarshal.Cast<Half, Vector512<short>>(row);
        for (var i = 0; i < halves.Length; i++)
        {
            var (lower, upper) = Vector512.Widen(halves[i]);
            into[2 * i] = ToSingle(lower);
            into[2 * i + 1] = ToSingle(upper);
        }
    }

    /// <summary>float16 bits, sign-extended to 32, as float32: sign to bit 31 and exponent/mantissa to bits 27..13 by one
    /// shift (the sign's copies land in bits 30..28 and are masked off), then the exponent re-biased by 2¹¹².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ToSingle(Vector512<int> h) =>
        ((h << 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector512.Create(Rebias);
}
