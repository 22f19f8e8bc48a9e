using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// What the CUDA execution provider of Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32.0 needs, read from the package itself
/// (readelf -d libonnxruntime_providers_cuda.so): CUDA 13 (libcudart.so.13, libcublas.so.13, libcublasLt.so.13,
/// libcurand.so.10), the driver's libcuda.so.1 (CUDA 13 needs driver 580 or newer), and cuDNN 9, which the provider
/// dlopens. <see cref="Diagnose()"/> checks each, so a refusal can name what is missing instead of ORT's bare dlopen error.
/// </summary>
public static class CudaRequirements
{
    public const string ProviderName = "CUDAExecutionProvider";

    public const string ProviderLibrary = "libonnxruntime_providers_cuda.so";

    public const string MinimumDriver = "580";

    /// <summary>Shared libraries the provider loads, with what each is.</summary>
    public static IReadOnlyList<(string Library, string What)> Libraries { get; } =
    [
        ("libcuda.so.1", $"the NVIDIA driver ({MinimumDriver} or newer for CUDA 13)"),
        ("libcudart.so.13", "the CUDA 13 runtime"),
        ("libcublas.so.13", "cuBLAS from CUDA 13"),
        ("libcublasLt.so.13", "cuBLASLt from CUDA 13"),
        ("libcurand.so.10", "cuRAND from CUDA 13"),
        ("libcudnn.so.9", "cuDNN 9 for CUDA 13"),
    ];

    /// <summary>The result of <see cref="Diagnose()"/>: each missing piece as "what (file)".</summary>
    public sealed record Diagnosis(IReadOnlyList<string> Missing)
    {
        public bool IsComplete => Missing.Count == 0;

        public string Describe() => IsComplete
            ? "The driver and the CUDA 13 / cuDNN 9 libraries were all found."
            : "Missing: " + string.Join("; ", Missing) + ". Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32.0 needs CUDA 13.x, cuDNN 9.x and NVIDIA driver " + MinimumDriver + "+ (scripts/gpu-check.sh, README \"GPU\").";
    }

    /// <summary>Checks the provider library beside the loaded ONNX Runtime and every library in <see cref="Libraries"/>.</summary>
    public static Diagnosis Diagnose() => Diagnose(OrtLibrary.LoadedPathOrNull, CanLoad);

    /// <summary>The same with the loader given, so tests can describe any machine.</summary>
    internal static Diagnosis Diagnose(string? ortLibraryPath, Func<string, bool> canLoad)
    {
        var missing = new List<string>();
        var folder = ortLibraryPath is null ? null : Path.GetDirectoryName(ortLibraryPath);
        if (folder is not null && !canLoad(Path.Combine(folder, ProviderLibrary)))
            missing.Add($"the CUDA provider ({ProviderLibrary} beside {ortLibraryPath}: build with -p:OnnxRuntimeFlavor=gpu)");
        foreach (var (library, what) in Libraries)
        {
            if (!canLoad(library)) missing.Add($"{what} ({library})");
        }
        return new Diagnosis(missing);
    }

    private static bool CanLoad(string library)
    {
        if (library.Contains('/')) return File.Exists(library);
        if (!NativeLibrary.TryLoad(library, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
