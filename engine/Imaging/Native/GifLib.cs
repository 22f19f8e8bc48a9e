using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// giflib 5.2 low-level reading API (gif_lib.h): DGifOpen with an input callback reading from
/// memory, then record by record up to the first image. giflib never longjmps; every call
/// returns GIF_OK (1) or GIF_ERROR (0) with an error code. Layouts mirror Debian 12's libgif7 5.2.1.
/// </summary>
internal static unsafe class GifLib
{
    public const int GifOk = 1;
    public const int RecordImageDesc = 2;  // IMAGE_DESC_RECORD_TYPE
    public const int RecordExtension = 3;  // EXTENSION_RECORD_TYPE
    public const int RecordTerminate = 4;  // TERMINATE_RECORD_TYPE
    public const int GraphicsExtension = 0xF9;
    public const int ErrorReadFailed = 102; // D_GIF_ERR_READ_FAILED: the input ran out
    public const int ErrorEofTooSoon = 113; // D_GIF_ERR_EOF_TOO_SOON

    [StructLayout(LayoutKind.Sequential)]
    public struct ColorMapObject
    {
        public int ColorCount;
        public int BitsPerPixel;
        public byte SortFlag; // C99 bool
        public byte* Colors;  // GifColorType[ColorCount], 3 bytes each
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ImageDesc
    {
        public int Left, Top, Width, Height;
        public byte Interlace; // C99 bool
        public ColorMapObject* ColorMap;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct GifFileType
    {
        public int SWidth, SHeight, SColorResolution, SBackGroundColor;
        public byte AspectByte;
        public ColorMapObject* SColorMap;
        public int ImageCount;
        public ImageDesc Image;
        public IntPtr SavedImages;
        public int ExtensionBlockCount;
        public IntPtr ExtensionBlocks;
        public int Error;
        public void* UserData;
        public void* Private;
    }

    /// <summary>The memory the input callback reads from; lives on the caller's stack while the GIF is open.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MemorySource
    {
        public byte* Data;
        public long Length;
        public long Position;
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<void*, delegate* unmanaged[Cdecl]<GifFileType*, byte*, int, int>, int*, GifFileType*> Open;
        public readonly delegate* unmanaged[Cdecl]<GifFileType*, int*, int> GetRecordType;
        public readonly delegate* unmanaged[Cdecl]<GifFileType*, int> GetImageDesc;
        public readonly delegate* unmanaged[Cdecl]<GifFileType*, byte*, int, int> GetLine;
        public readonly delegate* unmanaged[Cdecl]<GifFileType*, int*, byte**, int> GetExtension;
        public readonly delegate* unmanaged[Cdecl]<GifFileType*, byte**, int> GetExtensionNext;
        public readonly delegate* unmanaged[Cdecl]<GifFileType*, int*, int> Close;

        public Api()
        {
            var lib = NativeImagingLibraries.Gif;
            Open = (delegate* unmanaged[Cdecl]<void*, delegate* unmanaged[Cdecl]<GifFileType*, byte*, int, int>, int*, GifFileType*>)NativeImagingLibraries.Export(lib, "DGifOpen");
            GetRecordType = (delegate* unmanaged[Cdecl]<GifFileType*, int*, int>)NativeImagingLibraries.Export(lib, "DGifGetRecordType");
            GetImageDesc = (delegate* unmanaged[Cdecl]<GifFileType*, int>)NativeImagingLibraries.Export(lib, "DGifGetImageDesc");
            GetLine = (delegate* unmanaged[Cdecl]<GifFileType*, byte*, int, int>)NativeImagingLibraries.Export(lib, "DGifGetLine");
            GetExtension = (delegate* unmanaged[Cdecl]<GifFileType*, int*, byte**, int>)NativeImagingLibraries.Export(lib, "DGifGetExtension");
            GetExtensionNext = (delegate* unmanaged[Cdecl]<GifFileType*, byte**, int>)NativeImagingLibraries.Export(lib, "DGifGetExtensionNext");
            Close = (delegate* unmanaged[Cdecl]<GifFileType*, int*, int>)NativeImagingLibraries.Export(lib, "DGifCloseFile");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    /// <summary>Opens a GIF over <paramref name="source"/> (which must outlive the handle); reads the screen descriptor.</summary>
    public static GifFileHandle Open(MemorySource* source, out int error)
    {
        int err = 0;
        var handle = new GifFileHandle();
        var gif = F.Open(source, &ReadFromMemory, &err);
        error = err;
        if (gif != null) handle.Adopt((IntPtr)gif);
        return handle;
    }

    public static bool GetRecordType(GifFileHandle h, out int type)
    {
        int t = 0;
        var ok = F.GetRecordType(h.File, &t) == GifOk;
        type = t;
        return ok;
    }

    public static bool GetImageDesc(GifFileHandle h) => F.GetImageDesc(h.File) == GifOk;

    public static bool GetLine(GifFileHandle h, byte* line, int length) => F.GetLine(h.File, line, length) == GifOk;

    public static bool GetExtension(GifFileHandle h, out int code, out byte* block)
    {
        int c = 0;
        byte* b = null;
        var ok = F.GetExtension(h.File, &c, &b) == GifOk;
        code = c;
        block = b;
        return ok;
    }

    public static bool GetExtensionNext(GifFileHandle h, out byte* block)
    {
        byte* b = null;
        var ok = F.GetExtensionNext(h.File, &b) == GifOk;
        block = b;
        return ok;
    }

    internal static void CloseRaw(GifFileType* gif)
    {
        int err;
        F.Close(gif, &err);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ReadFromMemory(GifFileType* gif, byte* destination, int count)
    {
        var source = (MemorySource*)gif->UserData;
        if (source == null || count <= 0) return 0;
        var available = source->Length - source->Position;
        var n = (int)Math.Min(count, Math.Max(0, available));
        if (n > 0)
        {
            Buffer.MemoryCopy(source->Data + source->Position, destination, count, n);
            source->Position += n;
        }
        return n;
    }
}

/// <summary>Owns one open GifFileType (DGifCloseFile frees it).</summary>
internal sealed unsafe class GifFileHandle : SafeHandle
{
    public GifFileHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal GifLib.GifFileType* File => (GifLib.GifFileType*)handle;

    internal void Adopt(IntPtr raw) => SetHandle(raw);

    protected override bool ReleaseHandle()
    {
        GifLib.CloseRaw((GifLib.GifFileType*)handle);
        return true;
    }
}
