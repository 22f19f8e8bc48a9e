using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// libwebpdemux's WebPAnimDecoder (demux.h, 1.2): composes animation frames onto a canvas;
/// we take only the first. Layouts mirror Debian 12's libwebpdemux2 1.2.4.
/// </summary>
internal static unsafe class LibWebPDemux
{
    // demux.h 1.2.x: WEBP_DEMUX_ABI_VERSION 0x0107 (checked on the major byte).
    public const int DemuxAbiVersion = 0x0107;

    [StructLayout(LayoutKind.Sequential)]
    public struct WebPData
    {
        public byte* Bytes;
        public nuint Size;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct AnimDecoderOptions
    {
        public int ColorMode; // WEBP_CSP_MODE; only RGBA/BGRA/rgbA/bgrA are allowed
        public int UseThreads;
        public fixed uint Padding[7];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct AnimInfo
    {
        public uint CanvasWidth;
        public uint CanvasHeight;
        public uint LoopCount;
        public uint BackgroundColor;
        public uint FrameCount;
        public fixed uint Pad[4];
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<AnimDecoderOptions*, int, int> OptionsInitInternal;
        public readonly delegate* unmanaged[Cdecl]<WebPData*, AnimDecoderOptions*, int, IntPtr> NewInternal;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, AnimInfo*, int> GetInfo;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, int*, int> GetNext;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, void> Delete;

        public Api()
        {
            var lib = NativeImagingLibraries.WebPDemux;
            OptionsInitInternal = (delegate* unmanaged[Cdecl]<AnimDecoderOptions*, int, int>)NativeImagingLibraries.Export(lib, "WebPAnimDecoderOptionsInitInternal");
            NewInternal = (delegate* unmanaged[Cdecl]<WebPData*, AnimDecoderOptions*, int, IntPtr>)NativeImagingLibraries.Export(lib, "WebPAnimDecoderNewInternal");
            GetInfo = (delegate* unmanaged[Cdecl]<IntPtr, AnimInfo*, int>)NativeImagingLibraries.Export(lib, "WebPAnimDecoderGetInfo");
            GetNext = (delegate* unmanaged[Cdecl]<IntPtr, byte**, int*, int>)NativeImagingLibraries.Export(lib, "WebPAnimDecoderGetNext");
            Delete = (delegate* unmanaged[Cdecl]<IntPtr, void>)NativeImagingLibraries.Export(lib, "WebPAnimDecoderDelete");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    /// <summary>Creates an RGBA (non-premultiplied) animation decoder over <paramref name="data"/>, which must stay pinned while the handle lives. Null on a bad bitstream.</summary>
    public static WebPAnimDecoderHandle? CreateRgbaDecoder(byte* data, int size)
    {
        AnimDecoderOptions options;
        if (F.OptionsInitInternal(&options, DemuxAbiVersion) == 0) return null;
        options.ColorMode = LibWebP.ModeRgba;
        options.UseThreads = 0;
        var webpData = new WebPData { Bytes = data, Size = (nuint)size };
        var handle = new WebPAnimDecoderHandle();
        var raw = F.NewInternal(&webpData, &options, DemuxAbiVersion);
        if (raw == IntPtr.Zero)
        {
            handle.Dispose();
            return null;
        }
        handle.Adopt(raw);
        return handle;
    }

    public static bool GetInfo(WebPAnimDecoderHandle decoder, out AnimInfo info)
    {
        AnimInfo i;
        var ok = F.GetInfo(decoder.DangerousGetHandle(), &i) != 0;
        info = i;
        return ok;
    }

    /// <summary>Decodes the next frame; the returned canvas (RGBA, stride 4·canvas width) belongs to the decoder.</summary>
    public static byte* NextFrame(WebPAnimDecoderHandle decoder)
    {
        byte* canvas;
        int timestamp;
        return F.GetNext(decoder.DangerousGetHandle(), &canvas, &timestamp) != 0 ? canvas : null;
    }

    internal static void DeleteRaw(IntPtr raw) => F.Delete(raw);
}

/// <summary>Owns one WebPAnimDecoder.</summary>
internal sealed class WebPAnimDecoderHandle : SafeHandle
{
    public WebPAnimDecoderHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Adopt(IntPtr raw) => SetHandle(raw);

    protected override bool ReleaseHandle()
    {
        LibWebPDemux.DeleteRaw(handle);
        return true;
    }
}
