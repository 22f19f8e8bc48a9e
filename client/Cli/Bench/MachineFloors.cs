using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Cli.Bench;

/// <summary>
/// What the hardware allows, measured on this machine (<c>vl bench --floors</c>), so the page can state each result
/// as a share of its limit. Memory: a STREAM-style triad (a = b + s·c, 24 bytes per element moved, no write-allocate
/// counted, as STREAM reports) and a read-only sum (what decode does to weights), over arrays of 3 × 256 MB — far
/// beyond any cache — on every core, best of several passes. Matrix throughput: one ONNX Runtime MatMul of
/// M=512 × K=2048 × N=6144 (the 2B model's MLP up-projection at prefill size), fp32 and 4-bit MatMulNBits with int8
/// activations (accuracy_level 4, what the int4 package uses), all cores, best of several runs.
/// </summary>
public static class MachineFloors
{
    public sealed record Result(int Threads, double TriadGigabytesPerSecond, double ReadGigabytesPerSecond, double MatMulFp32Gflops, double MatMulNBits4Gflops);

    public static Result Measure(int threads, Action<string> log)
    {
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        var (triad, read) = MemoryBandwidth(threads);
        log($"memory bandwidth ({threads} threads): triad {triad:F1} GB/s, read {read:F1} GB/s");
        var fp32 = MatMulGflops(threads, nbits: false);
        var nbits = MatMulGflops(threads, nbits: true);
        log($"MatMul 512×2048×6144 ({threads} threads): fp32 {fp32:F0} GFLOP/s, MatMulNBits 4-bit accuracy 4 {nbits:F0} GFLOP/s");
        return new Result(threads, triad, read, fp32, nbits);
    }

    /// <summary>The memory half alone (STREAM triad and read-only sum, GB/s), for benchmarks that state a result against
    /// the bandwidth measured in the same run.</summary>
    public static (double Triad, double Read) MemoryBandwidth(int threads)
    {
        const int n = 32 << 20; // 32 Mi doubles = 256 MB per array
        // Native memory, freed (unmapped) on return: a benchmark that measures this beside a loaded engine must not keep
        // 768 MB of arrays in its resident set.
        using var na = new NativeBuffer<double>(n);
        using var nb = new NativeBuffer<double>(n);
        using var nc = new NativeBuffer<double>(n);
        Memory<double> a = na.Memory, b = nb.Memory, c = nc.Memory;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var (start, end) = Range(t, threads, n);
            a.Span[start..end].Fill(1);
            b.Span[start..end].Fill(2);
            c.Span[start..end].Fill(0.5);
        });
        double bestTriad = 0, bestRead = 0;
        for (var pass = 0; pass < 5; pass++)
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var (start, end) = Range(t, threads, n);
                Triad(a.Span[start..end], b.Span[start..end], c.Span[start..end], 3.0);
            });
            bestTriad = Math.Max(bestTriad, 3.0 * sizeof(double) * n / clock.Elapsed.TotalSeconds / 1e9);

            clock.Restart();
            var sums = new double[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var (start, end) = Range(t, threads, n);
                sums[t] = Sum(b.Span[start..end]) + Sum(c.Span[start..end]);
            });
            bestRead = Math.Max(bestRead, 2.0 * sizeof(double) * n / clock.Elapsed.TotalSeconds / 1e9);
            if (sums.Sum() < 0) throw new InvalidOperationException("unreachable: keeps the sum alive");
        }
        return (bestTriad, bestRead);
    }

    private static (int Start, int End) Range(int part, int parts, int n) => ((int)((long)n * part / parts), (int)((long)n * (part + 1) / parts));

    // Fully optimised from the first call: tier-0 code would measure the JIT, not the memory.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Triad(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, double s)
    {
        var i = 0;
        var scale = new Vector<double>(s);
        for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
            (new Vector<double>(b[i..]) + scale * new Vector<double>(c[i..])).CopyTo(a[i..]);
        for (; i < a.Length; i++) a[i] = b[i] + s * c[i];
    }

    // Four independent accumulators over unchecked references: with one or two, and a span slice (bounds check) per
    // vector, the loop measured ~12 GB/s on 2 threads — the core, not the memory, was the limit.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Sum(ReadOnlySpan<double> x)
    {
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        ref var start = ref MemoryMarshal.GetReference(x);
        var w = Vector<double>.Count;
        var i = 0;
        for (; i <= x.Length - 4 * w; i += 4 * w)
        {
            s0 += Vector.LoadUnsafe(ref start, (nuint)i);
            s1 += Vector.LoadUnsafe(ref start, (nuint)(i + w));
            s2 += Vector.LoadUnsafe(ref start, (nuint)(i + 2 * w));
            s3 += Vector.LoadUnsafe(ref start, (nuint)(i + 3 * w));
        }
        var total = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < x.Length; i++) total += x[i];
        return total;
    }

    private static double MatMulGflops(int threads, bool nbits)
    {
        const int m = 512, k = 2048, n = 6144, block = 32;
        var random = new Random(7);
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("a", OnnxElementType.Float, "m", k);
        builder.AddOutput("y", OnnxElementType.Float, "m", n);
        if (!nbits)
        {
            var w = new float[k * n];
            for (var i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5) * 0.05f;
            builder.AddInitializer("w", w, k, n);
            builder.AddNode("MatMul", ["a", "w"], ["y"]);
        }
        else
        {
            var blocks = k / block;
            var packed = new byte[n * blocks * (block / 2)];
            random.NextBytes(packed);
            var scales = new float[n * blocks];
            for (var i = 0; i < scales.Length; i++) scales[i] = 0.01f;
            builder.AddInitializer("b", OnnxElementType.UInt8, packed, n, blocks, block / 2);
            builder.AddInitializer("scales", scales, n, blocks);
            builder.AddNode("MatMulNBits", ["a", "b", "scales"], ["y"],
                [OnnxAttribute.Int("K", k), OnnxAttribute.Int("N", n), OnnxAttribute.Int("bits", 4), OnnxAttribute.Int("block_size", block), OnnxAttribute.Int("accuracy_level", 4)],
                domain: OnnxModelBuilder.MicrosoftDomain);
        }
        using var session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = threads });
        var input = GC.AllocateArray<float>(m * k, pinned: true);
        for (var i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
        using var a = OnnxValue.CreateTensor(input, m, k);
        using var y = OnnxValue.CreateTensor(GC.AllocateArray<float>(m * n, pinned: true), m, n);
        session.Run(["a"], [a], ["y"], [y]); // first run pre-packs the weights
        var best = double.MaxValue;
        for (var r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            session.Run(["a"], [a], ["y"], [y]);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
