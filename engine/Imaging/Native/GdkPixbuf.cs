using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// gdk-pixbuf's incremental loader, used for BMP only: gdk_pixbuf_loader_new_with_type("bmp")
/// binds the BMP module by name, so content sniffing (and the TIFF/SVG/... modules) is never
/// reached. Its BMP loader handles 1/4/8/16/24/32-bit, BITFIELDS and RLE4/RLE8 from memory.
/// Debian 12: libgdk-pixbuf-2.0-0 2.42.10 (+ libglib2.0-0 for GObject/GError).
/// </summary>
internal static unsafe class GdkPixbuf
{
    /// <summary>GError (glib/gerror.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GError
    {
        public uint Domain;
        public int Code;
        public byte* Message;
    }

    private sealed class Api
    {
        public readonly delegate* unmanaged[Cdecl]<byte*, GError**, IntPtr> LoaderNewWithType;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, GError**, int> LoaderWrite;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, GError**, int> LoaderClose;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> LoaderGetPixbuf;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetWidth;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetHeight;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetRowstride;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetNChannels;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetBitsPerSample;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetHasAlpha;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> ReadPixels;
        public readonly delegate* unmanaged[Cdecl]<IntPtr, void> ObjectUnref;
        public readonly delegate* unmanaged[Cdecl]<GError*, void> ErrorFree;

        public Api()
        {
            var lib = NativeImagingLibraries.GdkPixbuf;
            LoaderNewWithType = (delegate* unmanaged[Cdecl]<byte*, GError**, IntPtr>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_loader_new_with_type");
            LoaderWrite = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, GError**, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_loader_write");
            LoaderClose = (delegate* unmanaged[Cdecl]<IntPtr, GError**, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_loader_close");
            LoaderGetPixbuf = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_loader_get_pixbuf");
            GetWidth = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_get_width");
            GetHeight = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_get_height");
            GetRowstride = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_get_rowstride");
            GetNChannels = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_get_n_channels");
            GetBitsPerSample = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_get_bits_per_sample");
            GetHasAlpha = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_get_has_alpha");
            ReadPixels = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)NativeImagingLibraries.Export(lib, "gdk_pixbuf_read_pixels");
            ObjectUnref = (delegate* unmanaged[Cdecl]<IntPtr, void>)NativeImagingLibraries.Export(NativeImagingLibraries.GObject, "g_object_unref");
            ErrorFree = (delegate* unmanaged[Cdecl]<GError*, void>)NativeImagingLibraries.Export(NativeImagingLibraries.GLib, "g_error_free");
        }
    }

    private static readonly Lazy<Api> LazyApi = new(() => new Api());
    private static Api F => LazyApi.Value;

    /// <summary>The pixel layout of a loaded pixbuf (owned by the loader; valid while the loader lives).</summary>
    public readonly record struct PixbufView(int Width, int Height, int Rowstride, int Channels, int BitsPerSample, bool HasAlpha, IntPtr Pixels);

    public static PixbufLoaderHandle NewLoader(string type, out string? error)
    {
        var handle = new PixbufLoaderHandle();
        GError* err = null;
        var name = System.Text.Encoding.ASCII.GetBytes(type + "\0");
        fixed (byte* n = name)
        {
            var raw = F.LoaderNewWithType(n, &err);
            error = TakeError(err);
            if (raw != IntPtr.Zero) handle.Adopt(raw);
        }
        return handle;
    }

    public static bool Write(PixbufLoaderHandle loader, byte* data, int size, out string? error)
    {
        GError* err = null;
        var ok = F.LoaderWrite(loader.DangerousGetHandle(), data, (nuint)size, &err) != 0;
        error = TakeError(err);
        return ok;
    }

    public static bool Close(PixbufLoaderHandle loader, out string? error)
    {
        GError* err = null;
        var ok = F.LoaderClose(loader.DangerousGetHandle(), &err) != 0;
        loader.MarkClosed();
        error = TakeError(err);
        return ok;
    }

    public static PixbufView? GetPixbuf(PixbufLoaderHandle loader)
    {
        var pixbuf = F.LoaderGetPixbuf(loader.DangerousGetHandle());
        if (pixbuf == IntPtr.Zero) return null;
        return new PixbufView(F.GetWidth(pixbuf), F.GetHeight(pixbuf), F.GetRowstride(pixbuf), F.GetNChannels(pixbuf),
            F.GetBitsPerSample(pixbuf), F.GetHasAlpha(pixbuf) != 0, (IntPtr)F.ReadPixels(pixbuf));
    }

    internal static void ReleaseLoader(IntPtr loader, bool closed)
    {
        if (!closed)
        {
            GError* err = null;
            F.LoaderClose(loader, &err); // gdk-pixbuf warns on stderr when a loader is finalised unclosed
            TakeError(err);
        }
        F.ObjectUnref(loader);
    }

    private static string? TakeError(GError* err)
    {
        if (err == null) return null;
        var message = Marshal.PtrToStringUTF8((IntPtr)err->Message) ?? "unknown gdk-pixbuf error";
        F.ErrorFree(err);
        return message;
    }
}

/// <summary>Owns one GdkPixbufLoader (a GObject reference); closes it before the last unref.</summary>
internal sealed class PixbufLoaderHandle : SafeHandle
{
    private volatile bool _closed;

    public PixbufLoaderHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Adopt(IntPtr raw) => SetHandle(raw);

    internal void MarkClosed() => _closed = true;

    protected override bool ReleaseHandle()
    {
        GdkPixbuf.ReleaseLoader(handle, _closed);
        return true;
    }
}
