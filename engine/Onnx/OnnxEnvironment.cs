using Microsoft.ML.OnnxRuntime;

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
/// The one process-wide <c>OrtEnv</c> (the managed API's singleton) every session is created in. Created on first use,
/// after <see cref="OrtLibrary"/> has loaded the library with telemetry off; lives until process exit. Thread-safe.
/// </summary>
public static class OnnxEnvironment
{
    private static readonly Lock Gate = new();
    private static OnnxLogLevel _logLevel = OnnxLogLevel.Warning;
    private static OrtEnv? _env;

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

    internal static OrtEnv Env
    {
        get
        {
            if (_env is not null) return _env;
            lock (Gate)
            {
                if (_env is not null) return _env;
                OrtLibrary.EnsureLoaded();
                var options = new EnvironmentCreationOptions { logId = "VLOrleans", logLevel = (OrtLoggingLevel)(int)_logLevel };
                var env = Interop.OrtErrors.Translate(() => OrtEnv.CreateInstanceWithOptions(ref options));
                if (!OrtTelemetry.IsAllowed) env.DisableTelemetryEvents();
                return _env = env;
            }
        }
    }
}
