using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// One CUDA device as NVML reports it (no CUDA context is created): name, memory, driver version — or why it could not
/// be read (no driver, no such device). What the variant choice and the status page show.
/// </summary>
public sealed record CudaDevice(int Index, string Name, long FreeBytes, long TotalBytes, string DriverVersion, string? Error)
{
    public bool IsPresent => Error is null;

    /// <summary>Reads device <paramref name="index"/>; never throws for a missing driver or device (see <see cref="Error"/>).</summary>
    public static CudaDevice Query(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Nvml.TryQuery(index, out var name, out var free, out var total, out var driver, out var error)
            ? new CudaDevice(index, name, (long)free, (long)total, driver, null)
            : new CudaDevice(index, "", 0, 0, "", error);
    }
}
