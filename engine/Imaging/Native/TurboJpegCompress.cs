namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// TurboJPEG 2.1's compressor: tjInitCompress, tjCompress2, tjFree (the decompressor is <see cref="TurboJpeg"/>).
/// Used to make JPEGs in memory for benchmarks and tests from pixels we already have.
/// </summary>
internal static unsafe class TurboJpegCompress
{
    private const int Subsampling420 = 2; // TJSAMP_420, what cameras and phones write

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<IntPtr> InitCompress;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, int, int, int, int, byte**, nuint*, int, int, int, int> Compress2;
        public readonly delegate* unmanaged[Cdecl]<byte*, void> Free;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> GetErrorStr2;

        public Api()
        {
            var lib = NativeImagingLibraries.TurboJpeg;
            InitCompress = (delegate* unmanaged[Cdecl]<IntPtr>)NativeImagingLibraries.Export(lib, "tjInitCompress");
            Compress2 = (delegate* unmanaged[Cdecl]<IntPtr, byte*, int, int, int, int, byte**, nuint*, int, int, int, int>)NativeImagingLibraries.Export(lib, "tjCompress2");
            Free = (delegate* unmanaged[Cdecl]<byte*, void>)NativeImagingLibraries.Export(lib, "tjFree");
            GetErrorStr2 = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)NativeImagingLibraries.Export(lib, "tjGetErrorStr2");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());

    /// <summary>Encodes 8-bit RGB (stride 3·width) as a baseline 4:2:0 JPEG of the given quality (1–100).</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> rgb, int width, int height, int quality)
    {
        var f = LazyApi.Value;
        using var handle = new TurboJpegHandle();
        var raw = f.InitCompress();
        if (raw == IntPtr.Zero) throw new OutOfMemoryException("tjInitCompress failed");
        handle.Adopt(raw);
        byte* output = null;
        nuint size = 0;
        try
        {
            fixed (byte* source = rgb)
            {
                if (f.Compress2(raw, source, width, 3 * width, height, TurboJpeg.PixelFormatRgb, &output, &size, Subsampling420, quality, 0) != 0)
                    throw new InvalidOperationException($"JPEG encoding failed: {System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)f.GetErrorStr2(raw))}");
            }
            return new ReadOnlySpan<byte>(output, checked((int)size)).ToArray();
        }
        finally
        {
            if (output != null) f.Free(output);
        }
    }
}
