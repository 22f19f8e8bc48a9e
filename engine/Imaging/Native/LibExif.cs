using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// libexif 0.6 (Debian 12: libexif12 0.6.24): parses an EXIF block ("Exif\0\0" + TIFF) into IFDs.
/// exif_data_get_entry is a C macro, so entries are looked up per IFD with exif_content_get_entry
/// on the ifd[] array that starts ExifData (exif-data.h: ExifContent *ifd[EXIF_IFD_COUNT] first).
/// </summary>
internal static unsafe class LibExif
{
    public const int Ifd0 = 0;       // EXIF_IFD_0
    public const int IfdExif = 2;    // EXIF_IFD_EXIF
    public const int IfdCount = 5;   // EXIF_IFD_COUNT
    public const ushort TagOrientation = 0x0112;
    public const ushort TagMake = 0x010F;
    public const ushort TagModel = 0x0110;
    public const ushort TagDateTimeOriginal = 0x9003;
    public const int FormatAscii = 2; // EXIF_FORMAT_ASCII
    public const int FormatShort = 3; // EXIF_FORMAT_SHORT

    /// <summary>ExifEntry (exif-entry.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ExifEntry
    {
        public int Tag;
        public int Format;
        public nuint Components; // unsigned long
        public byte* Data;
        public uint Size;
        public IntPtr Parent;
        public IntPtr Private;
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<byte*, uint, IntPtr> NewFromData;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetByteOrder;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int, ExifEntry*> ContentGetEntry;
        public readonly delegate* unmanaged[Cdecl]<byte*, int, ushort> GetShort;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, void> Unref;

        public Api()
        {
            var lib = NativeImagingLibraries.Exif;
            NewFromData = (delegate* unmanaged[Cdecl]<byte*, uint, IntPtr>)NativeImagingLibraries.Export(lib, "exif_data_new_from_data");
            GetByteOrder = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "exif_data_get_byte_order");
            ContentGetEntry = (delegate* unmanaged[Cdecl]<IntPtr, int, ExifEntry*>)NativeImagingLibraries.Export(lib, "exif_content_get_entry");
            GetShort = (delegate* unmanaged[Cdecl]<byte*, int, ushort>)NativeImagingLibraries.Export(lib, "exif_get_short");
            Unref = (delegate* unmanaged[Cdecl]<IntPtr, void>)NativeImagingLibraries.Export(lib, "exif_data_unref");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    /// <summary>Parses an "Exif\0\0"-prefixed block; an invalid handle when libexif finds nothing.</summary>
    public static ExifDataHandle Parse(byte* block, int size)
    {
        var handle = new ExifDataHandle();
        var raw = F.NewFromData(block, (uint)size);
        if (raw != IntPtr.Zero) handle.Adopt(raw);
        return handle;
    }

    public static ExifEntry* Entry(ExifDataHandle data, int ifd, ushort tag)
    {
        var content = ((IntPtr*)data.DangerousGetHandle())[ifd];
        return content == IntPtr.Zero ? null : F.ContentGetEntry(content, tag);
    }

    public static ushort Short(ExifDataHandle data, byte* bytes) => F.GetShort(bytes, F.GetByteOrder(data.DangerousGetHandle()));

    internal static void UnrefRaw(IntPtr raw) => F.Unref(raw);
}

/// <summary>Owns one ExifData reference.</summary>
internal sealed class ExifDataHandle : SafeHandle
{
    public ExifDataHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Adopt(IntPtr raw) => SetHandle(raw);

    protected override bool ReleaseHandle()
    {
        LibExif.UnrefRaw(handle);
        return true;
    }
}
