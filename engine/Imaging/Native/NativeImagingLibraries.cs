using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>A Debian shared library the decoders call, with the package that ships it.</summary>
internal sealed record NativeImagingLibrary(string Soname, string DebianPackage);

/// <summary>
/// The one resolver for the imaging libraries: loads each by its soname (never an unversioned
/// dev symlink, which only -dev packages install) and hands out exports as raw function pointers.
/// Function pointers instead of [DllImport] because an assembly may register only one
/// DllImportResolver and the ONNX binding lives in the same assembly.
/// A missing library or symbol is a deployment error, reported with the package to install.
/// </summary>
internal static class NativeImagingLibraries
{
    public static readonly NativeImagingLibrary TurboJpeg = new("libturbojpeg.so.0", "libturbojpeg0");
    public static readonly NativeImagingLibrary Png = new("libpng16.so.16", "libpng16-16");
    public static readonly NativeImagingLibrary WebP = new("libwebp.so.7", "libwebp7");
    public static readonly NativeImagingLibrary WebPDemux = new("libwebpdemux.so.2", "libwebpdemux2");
    public static readonly NativeImagingLibrary Gif = new("libgif.so.7", "libgif7");
    public static readonly NativeImagingLibrary Exif = new("libexif.so.12", "libexif12");
    public static readonly NativeImagingLibrary GdkPixbuf = new("libgdk_pixbuf-2.0.so.0", "libgdk-pixbuf-2.0-0");
    public static readonly NativeImagingLibrary GObject = new("libgobject-2.0.so.0", "libglib2.0-0");
    public static readonly NativeImagingLibrary GLib = new("libglib-2.0.so.0", "libglib2.0-0");

    private static readonly ConcurrentDictionary<string, Lazy<IntPtr>> Handles = new();

    public static IntPtr Load(NativeImagingLibrary library) =>
        Handles.GetOrAdd(library.Soname, _ => new Lazy<IntPtr>(() => LoadOrExplain(library))).Value;

    public static IntPtr Export(NativeImagingLibrary library, string symbol)
    {
        if (NativeLibrary.TryGetExport(Load(library), symbol, out var address)) return address;
        throw new EntryPointNotFoundException(
            $"{library.Soname} has no symbol '{symbol}'; the installed Debian package '{library.DebianPackage}' is older or newer than the one the imaging code targets (Debian 12).");
    }

    private static IntPtr LoadOrExplain(NativeImagingLibrary library)
    {
        if (NativeLibrary.TryLoad(library.Soname, out var handle)) return handle;
        throw new DllNotFoundException(
            $"The image decoder needs the native library {library.Soname}, which is not installed: run `apt-get install {library.DebianPackage}` (scripts/setup.sh installs it).");
    }
}
