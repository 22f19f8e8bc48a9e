using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// libwebp 1.2 decoding (decode.h): WebPGetFeatures (a header-only parse) and WebPDecode with an
/// advanced config, which decodes lossy, lossless and alpha into a caller-owned buffer and can
/// rescale on the fly (row by row, so a huge file never needs a full-size buffer).
/// Struct layouts mirror decode.h of Debian 12's libwebp7 1.2.4.
/// </summary>
internal static unsafe class LibWebP
{
    // decode.h 1.2.x: WEBP_DECODER_ABI_VERSION 0x0209 (libwebp checks the major byte only).
    public const int DecoderAbiVersion = 0x0209;
    public const int ModeRgb = 0;  // MODE_RGB
    public const int ModeRgba = 1; // MODE_RGBA (not premultiplied)

    /// <summary>VP8StatusCode.</summary>
    public enum Status
    {
        Ok = 0, OutOfMemory = 1, InvalidParam = 2, BitstreamError = 3, UnsupportedFeature = 4,
        Suspended = 5, UserAbort = 6, NotEnoughData = 7,
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct BitstreamFeatures
    {
        public int Width;
        public int Height;
        public int HasAlpha;
        public int HasAnimation;
        public int Format; // 0 undefined/mixed, 1 lossy, 2 lossless
        public fixed uint Pad[5];
    }

    /// <summary>WebPDecBuffer with the RGBA arm of its union (the YUVA arm sets the union's size: 80 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    public struct DecBuffer
    {
        [FieldOffset(0)] public int Colorspace;
        [FieldOffset(4)] public int Width;
        [FieldOffset(8)] public int Height;
        [FieldOffset(12)] public int IsExternalMemory;
        [FieldOffset(16)] public byte* Rgba;
        [FieldOffset(24)] public int Stride;
        [FieldOffset(32)] public nuint Size;
        [FieldOffset(112)] public byte* PrivateMemory;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct DecoderOptions
    {
        public int BypassFiltering;
        public int NoFancyUpsampling;
        public int UseCropping;
        public int CropLeft, CropTop, CropWidth, CropHeight;
        public int UseScaling;
        public int ScaledWidth, ScaledHeight;
        public int UseThreads;
        public int DitheringStrength;
        public int Flip;
        public int AlphaDitheringStrength;
        public fixed uint Pad[5];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct DecoderConfig
    {
        public BitstreamFeatures Input;
        public DecBuffer Output;
        public DecoderOptions Options;
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<byte*, nuint, BitstreamFeatures*, int, Status> GetFeaturesInternal;
        public readonly delegate* unmanaged[Cdecl]<DecoderConfig*, int, int> InitDecoderConfigInternal;
        public readonly delegate* unmanaged[Cdecl]<byte*, nuint, DecoderConfig*, Status> Decode;
        public readonly delegate* unmanaged[Cdecl]<DecBuffer*, void> FreeDecBuffer;

        public Api()
        {
            var lib = NativeImagingLibraries.WebP;
            GetFeaturesInternal = (delegate* unmanaged[Cdecl]<byte*, nuint, BitstreamFeatures*, int, Status>)NativeImagingLibraries.Export(lib, "WebPGetFeaturesInternal");
            InitDecoderConfigInternal = (delegate* unmanaged[Cdecl]<DecoderConfig*, int, int>)NativeImagingLibraries.Export(lib, "WebPInitDecoderConfigInternal");
            Decode = (delegate* unmanaged[Cdecl]<byte*, nuint, DecoderConfig*, Status>)NativeImagingLibraries.Export(lib, "WebPDecode");
            FreeDecBuffer = (delegate* unmanaged[Cdecl]<DecBuffer*, void>)NativeImagingLibraries.Export(lib, "WebPFreeDecBuffer");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    public static Status GetFeatures(byte* data, int size, out BitstreamFeatures features)
    {
        BitstreamFeatures f;
        var status = F.GetFeaturesInternal(data, (nuint)size, &f, DecoderAbiVersion);
        features = f;
        return status;
    }

    public static bool InitConfig(DecoderConfig* config) => F.InitDecoderConfigInternal(config, DecoderAbiVersion) != 0;

    /// <summary>Decodes into the external buffer set in config->Output; frees any library-owned memory afterwards.</summary>
    public static Status Decode(byte* data, int size, DecoderConfig* config)
    {
        try
        {
            return F.Decode(data, (nuint)size, config);
        }
        finally
        {
            F.FreeDecBuffer(&config->Output); // no-op for external memory; frees anything libwebp kept
        }
    }
}
