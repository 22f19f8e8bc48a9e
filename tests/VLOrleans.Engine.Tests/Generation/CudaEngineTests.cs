using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Conversion;
using VLOrleans.Engine.Tests.TestSupport;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The GPU category (<c>dotnet test --filter Category=Gpu</c>, run by scripts/gpu-check.sh with the GPU package): the
/// cuda-* graphs on a real CUDA device against the same graphs on the CPU. Skipped, with the reason, without a device.
/// </summary>
[Trait("Category", CudaFactAttribute.Category)]
public sealed class CudaEngineTests(ITestOutputHelper output)
{
    [CudaFact]
    public void CudaFp16DecoderOnTheGpuMatchesItselfOnTheCpu()
    {
        var package = CudaTargetConversionTests.CudaPackage;
        using var gpu = OnnxSession.Load(package.DecoderPath("cuda-fp16"), new OnnxSessionOptions { ExecutionProvider = OnnxExecutionProvider.Cuda });
        using var cpu = OnnxSession.Load(package.DecoderPath("cuda-fp16"), new OnnxSessionOptions { IntraOpThreadCount = 1 });
        var (_, onGpu) = DecodeGraphTests.PrefillAndDecode(package, "cuda-fp16", gpu, gpu);
        var (_, onCpu) = DecodeGraphTests.PrefillAndDecode(package, "cuda-fp16", cpu, cpu);
        var errors = onCpu.Zip(onGpu, (c, g) => TinyPackage.RelativeError(g, c)).ToArray();
        output.WriteLine($"cuda-fp16 GPU vs CPU: {string.Join(", ", errors.Select(e => e.ToString("E2")))}");
        Assert.All(errors, e => Assert.True(e <= 1e-2, $"error {e:E3}")); // TF32/fp16 GEMMs on the GPU round differently
    }

    [CudaFact]
    public async Task TheEngineOnCudaPlacesByFreeMemory()
    {
        var package = CudaTargetConversionTests.CudaPackage;
        await using var gpu = VisionLanguageEngine.Load(new EngineOptions
        {
            ModelPath = package.Folder,
            DecoderDevice = OnnxExecutionProvider.Cuda,
            VisionDevice = OnnxExecutionProvider.Cuda,
            SlotCount = 2,
            MaxSequenceLength = 64,
        });
        Assert.NotNull(gpu.Placement);
        output.WriteLine($"placement: {gpu.Placement!.Variant} — {gpu.Placement.Reason}");
        Assert.Equal(CudaPlacement.Choose(gpu.Placement.Device, package.VariantNames, 4L << 30).Variant, gpu.Variant);
        Assert.StartsWith("cuda-", gpu.Variant);
    }
}
