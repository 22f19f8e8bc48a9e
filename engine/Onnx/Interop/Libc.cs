using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>
/// The C library's environment. On Linux .NET keeps its own copy of the environment: Environment.SetEnvironmentVariable
/// never reaches libc's <c>getenv</c>, which is what native ONNX Runtime reads. C names, as in the man page.
/// </summary>
internal static partial class Libc
{
    /// <summary>int setenv(const char *name, const char *value, int overwrite); 0 on success, -1 with errno.</summary>
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int setenv(string name, string value, int overwrite);

    /// <summary>char *getenv(const char *name); the C library's view, for checks and the status.</summary>
    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getenv(string name);

    public static string? GetEnvironmentVariable(string name) => Marshal.PtrToStringUTF8(getenv(name));
}
