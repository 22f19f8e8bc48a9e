using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>ORT's log severities (OrtLoggingLevel), least severe first.</summary>
public enum OnnxLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>
/// The one process-wide <c>OrtEnv</c> every session is created in (ORT allows one per process and it owns
/// the logger). Created on first use; lives until process exit — releasing it while sessions exist is
/// undefined in ORT, so we never do. Thread-safe.
/// </summary>
public static unsafe class OnnxEnvironment
{
    private static readonly Lock Gate = new();
    private static OnnxLogLevel _logLevel = OnnxLogLevel.Warning;
    private static OrtEnvHandle? _env;
    private static OrtMemoryInfoHandle? _cpuMemory;
    private static nint _defaultAllocator;

    /// <summary>Sets the ORT log level (default Warning). Only before the first session; later calls throw.</summary>
    public static void Configure(OnnxLogLevel logLevel)
    {
        lock (Gate)
        {
            if (_env is not null && logLevel != _logLevel)
                throw new InvalidOperationException($"the ONNX Runtime environment already exists with log level {_logLevel}");
            _logLevel = logLevel;
        }
    }

    internal static OrtEnvHandle Env
    {
        get
        {
            if (_env is not null) return _env;
            lock (Gate)
            {
                if (_env is not null) return _env;
                nint env;
                var logId = "VLOrleans"u8;
                fixed (byte* id = logId) // ORT copies the id; the u8 literal is NUL-terminated
                {
                    OrtStatus.Check(OrtApi.CreateEnv((int)_logLevel, id, &env));
                }
                return _env = new OrtEnvHandle(env);
            }
        }
    }

    /// <summary>CPU memory description for tensors over caller memory (device allocator, default mem type).</summary>
    internal static OrtMemoryInfoHandle CpuMemory
    {
        get
        {
            if (_cpuMemory is not null) return _cpuMemory;
            lock (Gate)
            {
                if (_cpuMemory is not null) return _cpuMemory;
                nint info;
                OrtStatus.Check(OrtApi.CreateCpuMemoryInfo(/*OrtDeviceAllocator*/ 0, /*OrtMemTypeDefault*/ 0, &info));
                return _cpuMemory = new OrtMemoryInfoHandle(info);
            }
        }
    }

    /// <summary>ORT's default CPU allocator (a process-wide singleton in ORT; never freed).</summary>
    internal static nint DefaultAllocator
    {
        get
        {
            if (_defaultAllocator != 0) return _defaultAllocator;
            nint allocator;
            OrtStatus.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
            return _defaultAllocator = allocator;
        }
    }

    /// <summary>Copies a string ORT allocated with the default allocator, then frees it.</summary>
    internal static string TakeAllocatedString(byte* s)
    {
        try { return Marshal.PtrToStringUTF8((nint)s) ?? ""; }
        finally { OrtStatus.Check(OrtApi.AllocatorFree(DefaultAllocator, s)); }
    }
}
