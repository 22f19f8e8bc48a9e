using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.Tests.Conversion;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>
/// The CUDA variant by free device memory (seed 001: ≥ 10 GB → 16-bit weights, 6–10 GB → 16-bit with a smaller cache,
/// under 6 GB → 4-bit), the device setting's syntax, and the startup error on a machine without a GPU (this one).
/// </summary>
public sealed class CudaPlacementTests
{
    private const long Gb = 1_000_000_000;
    private static readonly string[] BothVariants = ["int4", "w8a8", "cuda-fp16", "cuda-int4"];

    private static CudaDevice Device(long freeBytes) => new(0, "NVIDIA A10", freeBytes, 24 * Gb, "580.65", null);

    [Theory]
    [InlineData(24 * Gb, "cuda-fp16", 4L << 30)] // an idle A10: the configured 4 GiB cache
    [InlineData(10 * Gb, "cuda-fp16", 4L << 30)] // the boundary belongs to the upper band
    [InlineData(10 * Gb - 1, "cuda-fp16", 1 * Gb)] // just under: the cache shrinks to 1 GB
    [InlineData(6 * Gb, "cuda-fp16", 1 * Gb)]
    [InlineData(6 * Gb - 1, "cuda-int4", 4L << 30)]
    [InlineData(2 * Gb, "cuda-int4", 4L << 30)]
    public void FreeMemoryChoosesTheVariantAndTheCache(long free, string variant, long cacheBytes)
    {
        var placement = CudaPlacement.Choose(Device(free), BothVariants, 4L << 30);
        Assert.Equal(variant, placement.Variant);
        Assert.Equal(cacheBytes, placement.KvMemoryBudgetBytes);
        Assert.Contains("cuda:0 NVIDIA A10", placement.Reason);
        Assert.Contains((free / 1e9).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " GB of 24.0 GB free", placement.Reason);
    }

    [Fact]
    public void ASmallCacheNeverGrowsAConfiguredSmallerOne()
    {
        var placement = CudaPlacement.Choose(Device(8 * Gb), BothVariants, 256L << 20);
        Assert.Equal(256L << 20, placement.KvMemoryBudgetBytes);
    }

    [Fact]
    public void AMissingVariantFallsBackToTheOtherAndSaysSo()
    {
        var placement = CudaPlacement.Choose(Device(20 * Gb), ["cuda-int4"], 4L << 30);
        Assert.Equal("cuda-int4", placement.Variant);
        Assert.Contains("no cuda-fp16", placement.Reason);
    }

    [Fact]
    public void APackageWithoutCudaVariantsNamesTheConvertCommand()
    {
        var ex = Assert.Throws<ModelLoadException>(() => CudaPlacement.Choose(Device(20 * Gb), ["int4", "w8a8"], 4L << 30));
        Assert.Contains("vl convert --target cuda", ex.Message);
    }

    [Theory]
    [InlineData("cpu", OnnxExecutionProvider.Cpu, 0)]
    [InlineData("cuda", OnnxExecutionProvider.Cuda, 0)]
    [InlineData("CUDA:1", OnnxExecutionProvider.Cuda, 1)]
    [InlineData(" cuda:12 ", OnnxExecutionProvider.Cuda, 12)]
    public void DeviceSettingsParse(string text, OnnxExecutionProvider provider, int index)
    {
        Assert.Equal(new OnnxDevice(provider, index), OnnxDevice.Parse(text));
    }

    [Theory]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:65")]
    [InlineData("gpu0")]
    [InlineData("")]
    public void BadDeviceSettingsAreRefusedWithTheAcceptedForms(string text)
    {
        Assert.False(OnnxDevice.TryParse(text, out _));
        Assert.Contains("cpu, cuda, cuda:N", Assert.Throws<FormatException>(() => OnnxDevice.Parse(text)).Message);
    }

    /// <summary>Here there is no NVIDIA driver: NVML is absent, and the error says so before any graph loads.</summary>
    [Fact]
    public void CudaOnAMachineWithoutAGpuIsAStartupErrorNamingWhatIsMissing()
    {
        if (CudaDevice.Query(0).IsPresent) return; // a GPU machine: CudaEngineTests cover it
        var ex = Assert.Throws<ExecutionProviderUnavailableException>(() => VisionLanguageEngine.Load(new EngineOptions
        {
            ModelPath = TinyPackage.Folder,
            DecoderDevice = OnnxExecutionProvider.Cuda,
            VisionDevice = OnnxExecutionProvider.Cuda,
        }));
        Assert.Contains("cuda:0", ex.Message);
        Assert.Contains("libnvidia-ml.so.1 not found (no NVIDIA driver)", ex.Message);
        Assert.Contains("libcudart.so.13", ex.Message);
        Assert.Contains("cuDNN 9", ex.Message);
    }

    [Fact]
    public void CudaDeviceQueryWithoutADriverReportsWhy()
    {
        var device = CudaDevice.Query(0);
        if (device.IsPresent) return;
        Assert.Equal(0, device.FreeBytes);
        Assert.Contains("NVIDIA driver", device.Error);
    }
}
