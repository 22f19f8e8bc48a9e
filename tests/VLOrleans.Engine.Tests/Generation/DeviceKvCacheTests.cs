using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Runner;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Conversion;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The KV cache allocated by the decoder session's own allocator (<see cref="OnnxSession.AllocateOnDevice"/>) and bound
/// in place — GPU memory on CUDA, so a step moves only its small inputs and the logits. On the CPU the same path must
/// give bit-identical logits to the default host buffers; on a GPU (category Gpu) the CUDA run must match the CPU one.
/// </summary>
public sealed class DeviceKvCacheTests(ITestOutputHelper output)
{
    private const int MaxLength = 48;
    private static readonly int[][] Prompts = [[151644, 872, 198, 1234, 5678, 99, 151645, 198], [151644, 872, 198, 42, 151645, 198, 151644, 77091, 198]];

    [Theory]
    [InlineData("int4")]
    [InlineData("fp32")]
    public void SessionAllocatedCacheGivesTheSameLogitsAsHostBuffers(string variant)
    {
        var options = new OnnxSessionOptions { IntraOpThreadCount = 1 };
        using var host = new DecoderRunner(TinyPackage.Package, variant, 2, MaxLength, options);
        using var device = new DecoderRunner(TinyPackage.Package, variant, 2, MaxLength, options, kvOnSessionDevice: true);
        Assert.False(host.IsKvOnSessionDevice);
        Assert.True(device.IsKvOnSessionDevice);
        var expected = Generate(host, TinyPackage.Package);
        var actual = Generate(device, TinyPackage.Package);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }

    [CudaFact]
    [Trait("Category", CudaFactAttribute.Category)]
    public void OnCudaTheCacheLivesOnTheGpuAndTheLogitsMatchTheCpu()
    {
        var package = CudaTargetConversionTests.CudaPackage;
        using var cpu = new DecoderRunner(package, "cuda-fp16", 2, MaxLength, new OnnxSessionOptions { IntraOpThreadCount = 1 });
        using var gpu = new DecoderRunner(package, "cuda-fp16", 2, MaxLength, new OnnxSessionOptions { ExecutionProvider = OnnxExecutionProvider.Cuda });
        Assert.True(gpu.IsKvOnSessionDevice);
        var expected = Generate(cpu, package);
        var actual = Generate(gpu, package);
        var errors = expected.Zip(actual, (e, a) => TinyPackage.RelativeError(a, e)).ToArray();
        output.WriteLine($"GPU vs CPU: {string.Join(", ", errors.Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= 1e-2, $"error {e:E3}"));
    }

    /// <summary>Both prompts prefilled into slots 0 and 1, then three two-row decode steps of fixed tokens; every run's logits.</summary>
    private static List<float[]> Generate(DecoderRunner runner, ModelPackage package)
    {
        var scheduler = new Scheduler(new KvSlotPool(2), new SchedulerOptions { PrefillChunkTokens = 256, MaxSequenceLength = MaxLength });
        foreach (var ids in Prompts)
        {
            var rope = RopeIndex.Compute(package.Config.Family, ids);
            Assert.True(scheduler.TryEnqueue(new Sequence(new GenerationRequest { Prompt = new PromptTokens(ids), PositionIds = rope.Positions, RopeDelta = rope.RopeDeltas[0] })));
        }
        var runs = new List<float[]>();
        var logits = new float[2 * runner.VocabSize];
        for (var plan = scheduler.Schedule([]); plan.Prefill is not null; plan = scheduler.Schedule([]))
        {
            runner.Prefill(plan.Prefill, plan.PrefillStart, plan.PrefillCount, logits.AsSpan(0, runner.VocabSize));
            runs.Add(logits[..runner.VocabSize]);
            scheduler.CompletePrefillChunk(plan);
        }
        var batch = scheduler.Schedule([]).Decode.OrderBy(q => q.Slot!.Index).ToList();
        foreach (var token in new[] { 4321, 17, 30000 })
        {
            foreach (var sequence in batch) sequence.Generated.Add(token);
            runner.Decode(batch, logits);
            runs.Add([.. logits]);
        }
        return runs;
    }
}
