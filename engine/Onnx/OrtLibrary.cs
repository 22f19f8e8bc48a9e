using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// Loads ONNX Runtime's native library once per process, for the official managed API (Microsoft.ML.OnnxRuntime.Managed)
/// and for our custom-op shim alike: both must talk to the SAME loaded library (a custom-op domain created through one
/// copy's OrtApi table is meaningless to another). We therefore take over the managed assembly's native resolution
/// (<c>OrtEnv.DisableDllImportResolver</c> + <c>NativeLibrary.SetDllImportResolver</c>) and hand it our handle.
/// Search order (the first that loads wins):
/// <list type="number">
/// <item>the path given to <see cref="Configure"/> before first use, else the <c>VLO_ORT_LIBRARY</c> environment
/// variable — if either is set it is the ONLY candidate: someone pointing at a GPU build must not get a
/// silent fallback to the CPU build;</item>
/// <item>the NuGet package's native asset (<c>runtimes/&lt;rid&gt;/native/libonnxruntime.so</c>, found through the
/// app's deps.json: Microsoft.ML.OnnxRuntime for CPU, .Gpu.Linux when built with <c>-p:OnnxRuntimeFlavor=gpu</c>);</item>
/// <item><c>AppContext.BaseDirectory/libonnxruntime.so</c> (a RID-specific publish puts it beside the app).</item>
/// </list>
/// Before the library loads, telemetry is switched off (<see cref="OrtTelemetry"/>). The library is never unloaded.
/// Thread-safe.
/// </summary>
public static unsafe class OrtLibrary
{
    public const string FileName = "libonnxruntime.so";

    /// <summary>The name the managed assembly's [DllImport]s ask for.</summary>
    internal const string ImportName = "onnxruntime";

    public const string EnvironmentVariable = "VLO_ORT_LIBRARY";

    /// <summary>
    /// The OrtApi version our shim requests: 23 (ORT 1.23). Every function the shim calls exists since 17; the managed
    /// package asks for its own (newer) version from the same library.
    /// </summary>
    public const uint ApiVersion = 23;

    /// <summary>The candidate meaning "the NuGet package's native asset, through the host's probing".</summary>
    internal const string PackageCandidate = "onnxruntime (NuGet native asset)";

    private static readonly Lock Gate = new();
    private static string? _configuredPath;
    private static void** _api;
    private static nint _library;
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

    /// <summary>ORT's own version string, e.g. "1.32.0" (loads the library if needed).</summary>
    public static string Version { get { EnsureLoaded(); return _version!; } }

    internal static string? LoadedPathOrNull => _loadedPath;

    /// <summary>The execution providers compiled into the loaded library, e.g. CPUExecutionProvider, CUDAExecutionProvider.</summary>
    public static IReadOnlyList<string> GetAvailableProviders()
    {
        _ = OnnxEnvironment.Env;
        return OrtErrors.Translate(() => OrtEnv.Instance().GetAvailableProviders());
    }

    /// <summary>
    /// Checks that <paramref name="libraryPath"/> is a usable ONNX Runtime (loads, exports OrtGetApiBase,
    /// serves <see cref="ApiVersion"/>) without touching the process-wide state: nothing is configured and a
    /// bogus path leaves later loading unaffected.
    /// </summary>
    public static bool TryLoad(string libraryPath, out string? version, out string? error)
    {
        OrtTelemetry.ApplyBeforeLoad(); // probing loads the library too: telemetry must already be off
        if (!Probe(libraryPath, out var library, out _, out version, out error)) return false;
        NativeLibrary.Free(library); // only drops our reference: a library also loaded process-wide stays loaded
        return true;
    }

    /// <summary>The places <see cref="EnsureLoaded"/> would try, in order.</summary>
    public static IReadOnlyList<string> CandidatePaths()
    {
        var explicitPath = _configuredPath ?? NullIfEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable));
        if (explicitPath is not null) return [explicitPath];
        return [PackageCandidate, Path.Combine(AppContext.BaseDirectory, FileName)];
    }

    /// <summary>Loads the library (if not yet) and wires the managed API to it. Every entry point calls this first.</summary>
    internal static void EnsureLoaded() => _ = ApiTable;

    /// <summary>The OrtApi function table of the loaded library; loads it on first use.</summary>
    internal static void** ApiTable => _api != null ? _api : Load();

    private static void** Load()
    {
        lock (Gate)
        {
            if (_api != null) return _api;
            OrtTelemetry.ApplyBeforeLoad();
            var (path, library, api, version) = LoadFirst(CandidatePaths());
            _library = library;
            _loadedPath = path;
            _version = version;
            // The managed package would install its own resolver in NativeMethods' static constructor; ours must win,
            // so the managed API and the shim share one library.
            OrtEnv.DisableDllImportResolver = true;
            NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
            _api = (void**)api; // published last: readers outside the lock test _api first
            return _api;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName is ImportName or FileName or "libonnxruntime" ? _library : 0;

    /// <summary>
    /// Loads the first candidate that is a usable ONNX Runtime, or throws <see cref="OnnxRuntimeNotFoundException"/>
    /// naming every candidate and why it failed. Separate from the process-wide state so tests can feed it bogus paths.
    /// </summary>
    internal static (string Path, nint Library, nint Api, string? Version) LoadFirst(IReadOnlyList<string> candidates)
    {
        var attempts = new List<string>();
        foreach (var candidate in candidates)
        {
            if (candidate == PackageCandidate)
            {
                if (!NativeLibrary.TryLoad(ImportName, typeof(OrtEnv).Assembly, null, out var packaged))
                {
                    attempts.Add($"{candidate}: not found beside the app (is a Microsoft.ML.OnnxRuntime package referenced?)");
                    continue;
                }
                if (ProbeLoaded(packaged, out var packagedApi, out var packagedVersion, out var packagedError))
                    return (PackagedPath() ?? candidate, packaged, (nint)packagedApi, packagedVersion);
                attempts.Add($"{candidate}: {packagedError}");
                continue;
            }
            if (!File.Exists(candidate)) { attempts.Add($"{candidate}: no such file"); continue; }
            if (Probe(candidate, out var library, out var api, out var version, out var error))
                return (Path.GetFullPath(candidate), library, (nint)api, version);
            attempts.Add($"{candidate}: {error}");
        }
        throw new OnnxRuntimeNotFoundException(
            $"ONNX Runtime ({FileName}, API version {ApiVersion}+) could not be loaded. Tried:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", attempts) + Environment.NewLine +
            $"Restore the Microsoft.ML.OnnxRuntime NuGet package (dotnet restore; `make setup`), or set {EnvironmentVariable} to the library's path.",
            attempts);
    }

    private static bool Probe(string path, out nint library, out void** api, out string? version, out string? error)
    {
        api = null;
        version = null;
        if (!NativeLibrary.TryLoad(path, out library)) { error = "cannot be loaded (missing, wrong architecture or missing dependencies)"; return false; }
        if (ProbeLoaded(library, out api, out version, out error)) return true;
        NativeLibrary.Free(library);
        return false;
    }

    private static bool ProbeLoaded(nint library, out void** api, out string? version, out string? error)
    {
        api = null;
        version = null;
        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBase))
        {
            error = "not ONNX Runtime (no OrtGetApiBase export)";
            return false;
        }
        // OrtApiBase is { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }.
        var apiBase = ((delegate* unmanaged[Cdecl]<void**>)getApiBase)();
        version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged[Cdecl]<byte*>)apiBase[1])());
        api = ((delegate* unmanaged[Cdecl]<uint, void**>)apiBase[0])(ApiVersion);
        if (api == null)
        {
            error = $"ONNX Runtime {version} does not serve API version {ApiVersion} (need 1.{ApiVersion} or newer)";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Where the host found the package's library: the first mapping of a file named libonnxruntime.so.</summary>
    private static string? PackagedPath()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/');
                if (slash >= 0 && line.EndsWith("/" + FileName, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
