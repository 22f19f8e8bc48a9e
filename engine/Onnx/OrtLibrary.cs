using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// Finds and loads <c>libonnxruntime.so.1</c> once per process and hands out its <c>OrtApi</c> table.
/// Search order (the first that loads wins):
/// <list type="number">
/// <item>the path given to <see cref="Configure"/> before first use, else the <c>VLO_ORT_LIBRARY</c> environment
/// variable — if either is set it is the ONLY candidate: someone pointing at a GPU build must not get a
/// silent fallback to the CPU build;</item>
/// <item><c>AppContext.BaseDirectory/libonnxruntime.so.1</c> (a published app ships it beside itself);</item>
/// <item><c>.deps/onnxruntime/libonnxruntime.so.1</c> in the nearest folder above AppContext.BaseDirectory
/// (where <c>make setup</c> puts it; covers dotnet run/test from the repository);</item>
/// <item>the system loader (LD_LIBRARY_PATH, ldconfig).</item>
/// </list>
/// The library is never unloaded: ORT objects live until process exit. We bind by function-pointer table,
/// not by [DllImport], so no DllImportResolver is needed — the only export we look up is <c>OrtGetApiBase</c>.
/// Thread-safe.
/// </summary>
public static unsafe class OrtLibrary
{
    public const string FileName = "libonnxruntime.so.1";

    public const string EnvironmentVariable = "VLO_ORT_LIBRARY";

    /// <summary>
    /// The OrtApi version requested: 23 (ORT 1.23). Every function we call exists since 13; asking for 23
    /// documents the oldest runtime we test against in spirit and still lets a user-supplied GPU build
    /// from 1.23 onwards load. ORT 1.30 serves versions 1..30.
    /// </summary>
    public const uint ApiVersion = 23;

    private static readonly Lock Gate = new();
    private static string? _configuredPath;
    private static void** _api;
    private static string? _loadedPath;
    private static string? _version;

    /// <summary>Uses exactly <paramref name="libraryPath"/>. Call before the first ORT use; later calls with another path throw.</summary>
    public static void Configure(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(libraryPath);
        lock (Gate)
        {
            if (_api != null && !string.Equals(Path.GetFullPath(libraryPath), _loadedPath, StringComparison.Ordinal))
                throw new InvalidOperationException($"ONNX Runtime is already loaded from {_loadedPath}; configure the library before first use");
            _configuredPath = Path.GetFullPath(libraryPath);
        }
    }

    /// <summary>The path the library was loaded from (loads it if needed).</summary>
    public static string LoadedPath { get { EnsureLoaded(); return _loadedPath!; } }

    /// <summary>ORT's own version string, e.g. "1.30.0" (loads the library if needed).</summary>
    public static string Version { get { EnsureLoaded(); return _version!; } }

    internal static string? LoadedPathOrNull => _loadedPath;

    /// <summary>The execution providers compiled into the loaded library, e.g. CPUExecutionProvider, CUDAExecutionProvider.</summary>
    public static IReadOnlyList<string> GetAvailableProviders()
    {
        byte** names;
        int count;
        OrtStatus.Check(OrtApi.GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++) result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? "";
            return result;
        }
        finally
        {
            OrtStatus.Check(OrtApi.ReleaseAvailableProviders(names, count));
        }
    }

    /// <summary>
    /// Checks that <paramref name="libraryPath"/> is a usable ONNX Runtime (loads, exports OrtGetApiBase,
    /// serves <see cref="ApiVersion"/>) without touching the process-wide state: nothing is configured and a
    /// bogus path leaves later loading unaffected.
    /// </summary>
    /// <param name="libraryPath">A path to a shared library.</param>
    /// <param name="error">Why not, when false.</param>
    /// <param name="version">ORT's version string, when true.</param>
    public static bool TryLoad(string libraryPath, out string? version, out string? error)
    {
        version = null;
        if (!Probe(libraryPath, out var library, out var api, out version, out error)) return false;
        NativeLibrary.Free(library); // only drops our reference: a library also loaded process-wide stays loaded
        _ = api;
        return true;
    }

    /// <summary>The places <see cref="EnsureLoaded"/> would try, in order.</summary>
    public static IReadOnlyList<string> CandidatePaths()
    {
        var explicitPath = _configuredPath ?? NullIfEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable));
        if (explicitPath is not null) return [explicitPath];
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, FileName) };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var depsLibrary = Path.Combine(dir.FullName, ".deps", "onnxruntime", FileName);
            if (File.Exists(depsLibrary)) { candidates.Add(depsLibrary); break; }
        }
        candidates.Add(FileName); // bare name: the system loader's search
        return candidates;
    }

    /// <summary>The OrtApi function table; loads the library on first use.</summary>
    internal static void** ApiTable => _api != null ? _api : EnsureLoaded();

    private static void** EnsureLoaded()
    {
        if (_api != null) return _api;
        lock (Gate)
        {
            if (_api != null) return _api;
            var (path, api, version) = LoadFirst(CandidatePaths());
            _loadedPath = path;
            _version = version;
            _api = (void**)api; // published last: readers outside the lock test _api first
            return _api;
        }
    }

    /// <summary>
    /// Loads the first candidate that is a usable ONNX Runtime, or throws <see cref="OnnxRuntimeNotFoundException"/>
    /// naming every candidate and why it failed. Separate from the process-wide state so tests can feed it bogus paths.
    /// </summary>
    internal static (string Path, nint Api, string? Version) LoadFirst(IReadOnlyList<string> candidates)
    {
        var attempts = new List<string>();
        foreach (var candidate in candidates)
        {
            var isBareName = candidate == FileName;
            if (!isBareName && !File.Exists(candidate)) { attempts.Add($"{candidate}: no such file"); continue; }
            if (Probe(candidate, out _, out var api, out var version, out var error))
            {
                return (isBareName ? FileName + " (system loader)" : Path.GetFullPath(candidate), (nint)api, version);
            }
            attempts.Add($"{(isBareName ? FileName + " (system loader)" : candidate)}: {error}");
        }
        throw new OnnxRuntimeNotFoundException(
            $"ONNX Runtime ({FileName}, API version {ApiVersion}+) could not be loaded. Tried:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", attempts) + Environment.NewLine +
            $"Run `make setup` (it puts the library in .deps/onnxruntime/), or set {EnvironmentVariable} to the library's path.",
            attempts);
    }

    private static bool Probe(string path, out nint library, out void** api, out string? version, out string? error)
    {
        api = null;
        version = null;
        if (!NativeLibrary.TryLoad(path, out library)) { error = "cannot be loaded (missing, wrong architecture or missing dependencies)"; return false; }
        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBase))
        {
            NativeLibrary.Free(library);
            error = "not ONNX Runtime (no OrtGetApiBase export)";
            return false;
        }
        // OrtApiBase is { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }.
        var apiBase = ((delegate* unmanaged[Cdecl]<void**>)getApiBase)();
        version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged[Cdecl]<byte*>)apiBase[1])());
        api = ((delegate* unmanaged[Cdecl]<uint, void**>)apiBase[0])(ApiVersion);
        if (api == null)
        {
            NativeLibrary.Free(library);
            error = $"ONNX Runtime {version} does not serve API version {ApiVersion} (need 1.{ApiVersion} or newer)";
            return false;
        }
        error = null;
        return true;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
