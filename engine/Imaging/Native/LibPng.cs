using System.Runtime.InteropServices;
using System.Text;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// libpng 1.6's "simplified API" (png.h §"SIMPLIFIED API"): one begin/finish pair that reads
/// every colour type and bit depth, expands palette+tRNS, de-interlaces and reduces 16-bit to
/// 8-bit sRGB. libpng reports errors through its own setjmp inside these calls, so no longjmp
/// ever crosses managed frames.
/// </summary>
internal static unsafe class LibPng
{
    public const uint ImageVersion = 1;      // PNG_IMAGE_VERSION
    public const uint FormatFlagAlpha = 0x01; // PNG_FORMAT_FLAG_ALPHA
    public const uint FormatFlagColor = 0x02; // PNG_FORMAT_FLAG_COLOR
    public const uint FormatFlagLinear = 0x04;
    public const uint FormatRgb = FormatFlagColor;
    public const uint FormatRgba = FormatFlagColor | FormatFlagAlpha;

    /// <summary>png_image (png.h, version 1).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PngImage
    {
        public IntPtr Opaque;
        public uint Version;
        public uint Width;
        public uint Height;
        public uint Format;
        public uint Flags;
        public uint ColormapEntries;
        public uint WarningOrError;
        public fixed byte Message[64];
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<PngImage*, void*, nuint, int> BeginReadFromMemory;
        public readonly delegate* unmanaged[Cdecl]<PngImage*, void*, void*, int, void*, int> FinishRead;
        public readonly delegate* unmanaged[Cdecl]<PngImage*, void> Free;

        public Api()
        {
            var lib = NativeImagingLibraries.Png;
            BeginReadFromMemory = (delegate* unmanaged[Cdecl]<PngImage*, void*, nuint, int>)NativeImagingLibraries.Export(lib, "png_image_begin_read_from_memory");
            FinishRead = (delegate* unmanaged[Cdecl]<PngImage*, void*, void*, int, void*, int>)NativeImagingLibraries.Export(lib, "png_image_finish_read");
            Free = (delegate* unmanaged[Cdecl]<PngImage*, void>)NativeImagingLibraries.Export(lib, "png_image_free");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    public static PngImageHandle Create()
    {
        var handle = new PngImageHandle();
        var image = (PngImage*)NativeMemory.AllocZeroed((nuint)sizeof(PngImage));
        image->Version = ImageVersion;
        handle.Adopt((IntPtr)image);
        return handle;
    }

    public static bool BeginRead(PngImageHandle h, byte* data, int size) => F.BeginReadFromMemory(h.Image, data, (nuint)size) != 0;

    /// <summary>Reads the rows into <paramref name="buffer"/> (no background: alpha is composited by the caller in sRGB, as Qwen's processor does).</summary>
    public static bool FinishRead(PngImageHandle h, byte* buffer, int rowStride) => F.FinishRead(h.Image, null, buffer, rowStride, null) != 0;

    public static string Message(PngImageHandle h)
    {
        var m = h.Image->Message;
        var span = new ReadOnlySpan<byte>(m, 64);
        var end = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }

    internal static void FreeRaw(PngImage* image) => F.Free(image);
}

/// <summary>Owns a png_image and the libpng state behind its opaque pointer.</summary>
internal sealed unsafe class PngImageHandle : SafeHandle
{
    public PngImageHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal LibPng.PngImage* Image => (LibPng.PngImage*)handle;

    internal void Adopt(IntPtr raw) => SetHandle(raw);

    protected override bool ReleaseHandle()
    {
        var image = (LibPng.PngImage*)handle;
        if (image->Opaque != IntPtr.Zero) LibPng.FreeRaw(image);
        NativeMemory.Free(image);
        return true;
    }
}
