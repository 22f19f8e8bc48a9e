using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Tests.TestSupport;

/// <summary>A fact that needs strace (Debian <c>strace</c>, installed by scripts/setup.sh); skipped, with the reason, without it.</summary>
public sealed class StraceFactAttribute : FactAttribute
{
    public static string? StracePath { get; } = new[] { "/usr/bin/strace", "/bin/strace" }.FirstOrDefault(File.Exists);

    public StraceFactAttribute()
    {
        if (StracePath is null) Skip = "strace is not installed (scripts/setup.sh installs it): the trace cannot run";
    }
}

/// <summary>
/// A fact of the GPU category (<c>--filter Category=Gpu</c>, run by scripts/gpu-check.sh): needs a CUDA device and an
/// ONNX Runtime with the CUDA provider; skipped with the reason (no driver, no device, CPU package) otherwise.
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public const string Category = "Gpu";

    public static string? WhyNot { get; } = FindReason();

    public CudaFactAttribute()
    {
        if (WhyNot is not null) Skip = "no CUDA device: " + WhyNot;
    }

    private static string? FindReason()
    {
        var device = CudaDevice.Query(0);
        if (device.Error is not null) return device.Error;
        var providers = OrtLibrary.GetAvailableProviders();
        if (!providers.Contains(CudaRequirements.ProviderName))
            return $"the loaded ONNX Runtime ({OrtLibrary.LoadedPath}) has no CUDA provider; build with -p:OnnxRuntimeFlavor=gpu";
        var diagnosis = CudaRequirements.Diagnose();
        return diagnosis.IsComplete ? null : diagnosis.Describe();
    }
}
