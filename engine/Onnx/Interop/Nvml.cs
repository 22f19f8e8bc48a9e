using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>
/// The NVIDIA Management Library (libnvidia-ml.so.1, installed with the driver): device names and free memory without
/// creating a CUDA context. C names as in nvml.h; every function returns nvmlReturn_t (0 = NVML_SUCCESS). Loaded lazily
/// with NativeLibrary so a machine without the driver gets "not found" instead of a DllNotFoundException.
/// </summary>
internal static unsafe class Nvml
{
    public const string LibraryName = "libnvidia-ml.so.1";

    [StructLayout(LayoutKind.Sequential)]
    public struct nvmlMemory_t
    {
        public ulong total;
        public ulong free;
        public ulong used;
    }

    /// <summary>Free and total bytes of device <paramref name="index"/>, its name and the driver version; false with a
    /// reason when NVML (the driver) is absent or the device does not exist.</summary>
    public static bool TryQuery(int index, out string name, out ulong freeBytes, out ulong totalBytes, out string driver, out string? error)
    {
        name = "";
        driver = "";
        freeBytes = totalBytes = 0;
        if (!NativeLibrary.TryLoad(LibraryName, out var library)) { error = $"{LibraryName} not found (no NVIDIA driver)"; return false; }
        try
        {
            var init = (delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(library, "nvmlInit_v2");
            var shutdown = (delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(library, "nvmlShutdown");
            var byIndex = (delegate* unmanaged[Cdecl]<uint, nint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetHandleByIndex_v2");
            var memory = (delegate* unmanaged[Cdecl]<nint, nvmlMemory_t*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetMemoryInfo");
            var getName = (delegate* unmanaged[Cdecl]<nint, byte*, uint, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetName");
            var getDriver = (delegate* unmanaged[Cdecl]<byte*, uint, int>)NativeLibrary.GetExport(library, "nvmlSystemGetDriverVersion");
            if (init() is var r and not 0) { error = $"nvmlInit failed (nvmlReturn {r})"; return false; }
            try
            {
                nint device;
                if (byIndex((uint)index, &device) is var d and not 0) { error = $"no CUDA device {index} (nvmlReturn {d})"; return false; }
                nvmlMemory_t info;
                if (memory(device, &info) is var m and not 0) { error = $"nvmlDeviceGetMemoryInfo failed (nvmlReturn {m})"; return false; }
                var text = stackalloc byte[96];
                name = getName(device, text, 96) == 0 ? Marshal.PtrToStringUTF8((nint)text) ?? "" : "";
                driver = getDriver(text, 96) == 0 ? Marshal.PtrToStringUTF8((nint)text) ?? "" : "";
                freeBytes = info.free;
                totalBytes = info.total;
                error = null;
                return true;
            }
            finally
            {
                shutdown();
            }
        }
        catch (EntryPointNotFoundException e)
        {
            error = $"{LibraryName} lacks {e.Message}";
            return false;
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }
}
