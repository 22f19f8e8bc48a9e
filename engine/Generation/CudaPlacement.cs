using System.Globalization;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// Which CUDA variant a GPU with this much free memory gets, how much KV cache, and why (seed 001): ≥ 10 GB free →
/// 16-bit weights (<c>cuda-fp16</c>) and the configured cache; 6–10 GB → <c>cuda-fp16</c> with a cache of at most
/// <see cref="SmallCacheBytes"/>; under 6 GB → 4-bit weights (<c>cuda-int4</c>). A variant the package lacks falls back
/// to the other CUDA variant, saying so; a package with neither is a startup error naming the convert command.
/// The reason is what the status page shows.
/// </summary>
public sealed record CudaPlacement(CudaDevice Device, string Variant, long KvMemoryBudgetBytes, string Reason)
{
    public const string Fp16Variant = "cuda-fp16";

    public const string Int4Variant = "cuda-int4";

    /// <summary>10 GB: the 2B model's 16-bit weights (ORT holds them as fp32 after folding the fp16 Cast, ~8.5 GB) plus a cache.</summary>
    public const long FullPrecisionFreeBytes = 10_000_000_000;

    public const long SmallCacheFreeBytes = 6_000_000_000;

    /// <summary>The cache budget on a 6–10 GB device: 1 GB (≈ 8,700 tokens of the 2B model's fp16 cache).</summary>
    public const long SmallCacheBytes = 1_000_000_000;

    public static CudaPlacement Choose(CudaDevice device, IReadOnlyCollection<string> variants, long kvMemoryBudgetBytes)
    {
        if (!device.IsPresent) throw new ArgumentException($"CUDA device {device.Index} is not usable: {device.Error}", nameof(device));
        var hasFp16 = variants.Contains(Fp16Variant);
        var hasInt4 = variants.Contains(Int4Variant);
        if (!hasFp16 && !hasInt4)
            throw new ModelLoadException($"the package has no CUDA variant (has {string.Join(", ", variants)}); write one with `vl convert --target cuda --weights fp16` (or int4)");

        var free = $"{Gb(device.FreeBytes)} of {Gb(device.TotalBytes)} free on cuda:{device.Index} {device.Name}".TrimEnd();
        var (wanted, budget, why) = device.FreeBytes >= FullPrecisionFreeBytes
            ? (Fp16Variant, kvMemoryBudgetBytes, $"{free}: ≥ 10 GB → 16-bit weights, full cache")
            : device.FreeBytes >= SmallCacheFreeBytes
                ? (Fp16Variant, Math.Min(kvMemoryBudgetBytes, SmallCacheBytes), $"{free}: 6–10 GB → 16-bit weights, cache limited to {Gb(SmallCacheBytes)}")
                : (Int4Variant, kvMemoryBudgetBytes, $"{free}: < 6 GB → 4-bit weights");
        if (!variants.Contains(wanted))
        {
            var other = wanted == Fp16Variant ? Int4Variant : Fp16Variant;
            return new CudaPlacement(device, other, budget, $"{why}; the package has no {wanted}, so {other}");
        }
        return new CudaPlacement(device, wanted, budget, why);
    }

    private static string Gb(long bytes) => (bytes / 1e9).ToString("0.0", CultureInfo.InvariantCulture) + " GB";
}
