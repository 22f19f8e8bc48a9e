using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Runner;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Benchmarks.Generation;

/// <summary>
/// One decode step of the 2B-shaped model at int4 for 1, 4, 8 and 16 sequences: the runner's batched step over the KV
/// pool, 2 intra-op threads. A step reads every decoder weight once whatever the batch, so on a bandwidth-bound CPU
/// the time grows far slower than the batch (docs/PERFORMANCE.md compares it with decoder bytes ÷ memory bandwidth).
/// Each step adds a token to every sequence; when the contexts reach 480 of their 512-token slots they are rewound to
/// their 32-token prompts (one prefill each, about one step in 450), so contexts stay between 32 and 480 tokens
/// however many invocations BenchmarkDotNet makes.
/// Run: dotnet run -c Release --project bench/VLOrleans.Benchmarks -- --filter '*DecodeStepBenchmarks*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class DecodeStepBenchmarks
{
    private const int PromptTokens = 32, MaxSequence = 512, RewindAt = 480;

    private DecoderRunner _runner = null!;
    private List<Sequence> _batch = [];
    private float[] _logits = [];

    [Params(1, 4, 8, 16)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var package = ModelPackage.Open(BenchModelPackage.Folder);
        _runner = new DecoderRunner(package, "int4", Batch, MaxSequence, new OnnxSessionOptions { IntraOpThreadCount = 2 });
        _batch = SyntheticDecodeBatch.Prefill(_runner, package.Config.Family, Batch, PromptTokens, MaxSequence);
        _logits = new float[Batch * _runner.VocabSize];
        for (var i = 0; i < 8; i++) Step(); // runner buffers warm
    }

    [Benchmark]
    public void Step()
    {
        if (_batch[0].KvLength >= RewindAt) Rewind();
        _runner.Decode(_batch, _logits);
        for (var b = 0; b < _batch.Count; b++) _batch[b].Generated.Add(Argmax(_logits.AsSpan(b * _runner.VocabSize, _runner.VocabSize)));
    }

    /// <summary>Back to the prompts: prefill each again from position 0 (the runner's slot length follows) and keep
    /// only the first generated token, so the sequences' KV lengths match their slots again.</summary>
    private void Rewind()
    {
        var last = new float[_runner.VocabSize];
        foreach (var sequence in _batch)
        {
            _runner.Prefill(sequence, 0, PromptTokens, last);
            sequence.Generated.RemoveRange(1, sequence.Generated.Count - 1);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _runner.Dispose();

    private static int Argmax(ReadOnlySpan<float> row) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
}
