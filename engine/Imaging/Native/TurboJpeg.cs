using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// The TurboJPEG 2.1 API (Debian 12 ships libturbojpeg0 2.1.5; `nm -D` lists tjInitDecompress,
/// tjDecompressHeader3, tjDecompress2, tjGetScalingFactors, tjGetErrorStr2, tjGetErrorCode, tjDestroy;
/// the 3.x tj3* functions do not exist there).
/// </summary>
internal static unsafe class TurboJpeg
{
    // turbojpeg.h (2.1): pixel formats, colour spaces, flags, error codes.
    public const int PixelFormatRgb = 0;       // TJPF_RGB
    public const int PixelFormatCmyk = 11;     // TJPF_CMYK
    public const int ColorspaceCmyk = 3;       // TJCS_CMYK
    public const int ColorspaceYcck = 4;       // TJCS_YCCK
    // TJFLAG_LIMITSCANS (2.1+): refuse progressive files with more than 500 scans, the known CPU bomb.
    public const int FlagLimitScans = 32768;
    public const int ErrorWarning = 0;         // TJERR_WARNING

    [StructLayout(LayoutKind.Sequential)]
    public struct ScalingFactor
    {
        public int Num;
        public int Denom;
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<IntPtr> InitDecompress;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, int*, int*, int*, int*, int> DecompressHeader3;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, byte*, int, int, int, int, int, int> Decompress2;
        public readonly delegate* unmanaged[Cdecl]<int*, ScalingFactor*> GetScalingFactors;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> GetErrorStr2;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetErrorCode;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> Destroy;

        public Api()
        {
            var lib = NativeImagingLibraries.TurboJpeg;
            InitDecompress = (delegate* unmanaged[Cdecl]<IntPtr>)NativeImagingLibraries.Export(lib, "tjInitDecompress");
            DecompressHeader3 = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, int*, int*, int*, int*, int>)NativeImagingLibraries.Export(lib, "tjDecompressHeader3");
            Decompress2 = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, byte*, int, int, int, int, int, int>)NativeImagingLibraries.Export(lib, "tjDecompress2");
            GetScalingFactors = (delegate* unmanaged[Cdecl]<int*, ScalingFactor*>)NativeImagingLibraries.Export(lib, "tjGetScalingFactors");
            GetErrorStr2 = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)NativeImagingLibraries.Export(lib, "tjGetErrorStr2");
            GetErrorCode = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "tjGetErrorCode");
            Destroy = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "tjDestroy");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    private static readonly Lazy<ScalingFactor[]> LazyFactors = new(() =>
    {
        int count;
        var factors = F.GetScalingFactors(&count);
        if (factors == null || count <= 0) return [new ScalingFactor { Num = 1, Denom = 1 }];
        return new ReadOnlySpan<ScalingFactor>(factors, count).ToArray();
    });

    /// <summary>The scaling factors the library's IDCT supports (2.1: n/8 for n = 1..16).</summary>
    public static IReadOnlyList<ScalingFactor> ScalingFactors => LazyFactors.Value;

    public static TurboJpegHandle CreateDecompressor()
    {
        var handle = new TurboJpegHandle();
        var raw = F.InitDecompress();
        if (raw == IntPtr.Zero) throw new OutOfMemoryException("tjInitDecompress failed");
        handle.Adopt(raw);
        return handle;
    }

    public static int DecompressHeader(TurboJpegHandle h, byte* data, int size, out int width, out int height, out int subsampling, out int colorspace)
    {
        int w, ht, ss, cs;
        var rc = F.DecompressHeader3(h.DangerousGetHandle(), data, (nuint)size, &w, &ht, &ss, &cs);
        width = w; height = ht; subsampling = ss; colorspace = cs;
        return rc;
    }

    public static int Decompress(TurboJpegHandle h, byte* data, int size, byte* destination, int width, int pitch, int height, int pixelFormat, int flags) =>
        F.Decompress2(h.DangerousGetHandle(), data, (nuint)size, destination, width, pitch, height, pixelFormat, flags);

    public static string ErrorText(TurboJpegHandle h) =>
        Marshal.PtrToStringUTF8((IntPtr)F.GetErrorStr2(h.DangerousGetHandle())) ?? "unknown TurboJPEG error";

    public static bool LastErrorIsWarning(TurboJpegHandle h) => F.GetErrorCode(h.DangerousGetHandle()) == ErrorWarning;

    internal static void DestroyRaw(IntPtr raw) => F.Destroy(raw);
}

/// <summary>Owns one tjhandle (a decompressor); not shared between threads.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    public TurboJpegHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Adopt(IntPtr raw) => SetHandle(raw);

    protected override bool ReleaseHandle()
    {
        TurboJpeg.DestroyRaw(handle);
        return true;
    }
}
