using BenchmarkDotNet.Attributes;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;

namespace VLOrleans.Benchmarks.Onnx;

/// <summary>
/// One MatMul of K=2048 × N=6144 (Qwen3-VL-2B's MLP up-projection) at M = 1 (decode), 8 (eight sequences)
/// and 300 (prefill / vision), fp32 against 4-bit MatMulNBits (block 32) at accuracy levels 0 and 4 — the
/// table in ARCHITECTURE.md. 2 intra-op threads, input and output pre-allocated, so a run measures ORT's
/// kernel plus the binding's per-Run overhead (names marshalling, handle ref counts).
/// Run: dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*MatMulBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class MatMulBenchmarks
{
    private const int K = 2048, N = 6144, BlockSize = 32;

    private OnnxSession? _session;
    private OnnxValue? _input;
    private OnnxValue? _output;

    public enum Kind { Fp32, NBits4Accuracy0, NBits4Accuracy4 }

    [Params(1, 8, 300)]
    public int M { get; set; }

    [Params(Kind.Fp32, Kind.NBits4Accuracy0, Kind.NBits4Accuracy4)]
    public Kind Op { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        using var builder = OnnxModelBuilder.InMemory();
        builder.AddInput("a", OnnxElementType.Float, "m", K);
        builder.AddOutput("y", OnnxElementType.Float, "m", N);
        if (Op == Kind.Fp32)
        {
            var w = new float[K * N];
            for (var i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5) * 0.05f;
            builder.AddInitializer("w", w, K, N);
            builder.AddNode("MatMul", ["a", "w"], ["y"]);
        }
        else
        {
            var blocks = K / BlockSize;
            var packed = new byte[N * blocks * (BlockSize / 2)];
            random.NextBytes(packed); // any nibbles are valid 4-bit weights
            var scales = new float[N * blocks];
            for (var i = 0; i < scales.Length; i++) scales[i] = 0.01f + (float)random.NextDouble() * 0.01f;
            builder.AddInitializer("b", OnnxElementType.UInt8, packed, N, blocks, BlockSize / 2);
            builder.AddInitializer("scales", scales, N, blocks);
            builder.AddNode("MatMulNBits", ["a", "b", "scales"], ["y"],
                [OnnxAttribute.Int("K", K), OnnxAttribute.Int("N", N), OnnxAttribute.Int("bits", 4),
                 OnnxAttribute.Int("block_size", BlockSize), OnnxAttribute.Int("accuracy_level", Op == Kind.NBits4Accuracy4 ? 4 : 0)],
                domain: OnnxModelBuilder.MicrosoftDomain);
        }
        _session = OnnxSession.Load(builder.ToBytes(), new OnnxSessionOptions { IntraOpThreadCount = 2 });

        var a = GC.AllocateArray<float>(M * K, pinned: true);
        for (var i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        _input = OnnxValue.CreateTensor(a, M, K);
        _output = OnnxValue.CreateTensor(GC.AllocateArray<float>(M * N, pinned: true), M, N);
        Run(); // warm-up outside the measurement: first run pre-packs weights
    }

    [Benchmark]
    public void Run() => _session!.Run(["a"], [_input!], ["y"], [_output]);

    [GlobalCleanup]
    public void Cleanup()
    {
        _output?.Dispose();
        _input?.Dispose();
        _session?.Dispose();
    }
}
