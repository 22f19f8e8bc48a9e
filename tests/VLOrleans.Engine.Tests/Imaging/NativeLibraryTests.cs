using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>A missing native library is a deployment error that names the Debian package to install.</summary>
public sealed class NativeLibraryTests
{
    [Fact]
    public void Missing_library_names_its_debian_package()
    {
        var absent = new NativeImagingLibrary("libvlorleans-absent.so.9", "libvlorleans-absent9");
        var e = Assert.Throws<DllNotFoundException>(() => NativeImagingLibraries.Load(absent));
        Assert.Contains("apt-get install libvlorleans-absent9", e.Message, StringComparison.Ordinal);
        Assert.Contains("libvlorleans-absent.so.9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_imaging_library_loads_by_soname()
    {
        NativeImagingLibrary[] all =
        [
            NativeImagingLibraries.TurboJpeg, NativeImagingLibraries.Png, NativeImagingLibraries.WebP, NativeImagingLibraries.WebPDemux,
            NativeImagingLibraries.Gif, NativeImagingLibraries.Exif, NativeImagingLibraries.GdkPixbuf, NativeImagingLibraries.GObject, NativeImagingLibraries.GLib,
        ];
        foreach (var library in all) Assert.NotEqual(IntPtr.Zero, NativeImagingLibraries.Load(library));
    }
}
