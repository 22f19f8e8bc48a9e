using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// Keeps ONNX Runtime's 1DS telemetry off. The official builds (npm and NuGet alike) have it on by default: at load
/// they write <c>/tmp/mat-debug-&lt;pid&gt;.log</c> and a device id plus an offline store under
/// <c>~/.cache/Microsoft/DeveloperTools/.onnxruntime/</c>, and upload when the network allows — not acceptable for a
/// self-hosted server of customer photos. ORT reads <c>ORT_DISABLE_TELEMETRY</c> with libc's getenv when it
/// initialises, so we set it natively (setenv) before the library is loaded, unless telemetry was explicitly allowed
/// (<see cref="OptInVariable"/>=1 or <see cref="Allow"/>). The process-wide <c>OrtEnv</c> also gets
/// DisableTelemetryEvents. Thread-safe through <see cref="OrtLibrary"/>'s lock.
/// </summary>
public static class OrtTelemetry
{
    /// <summary>ONNX Runtime's own switch.</summary>
    public const string DisableVariable = "ORT_DISABLE_TELEMETRY";

    /// <summary>Our opt-in: "1" (or "true") lets ONNX Runtime's telemetry run as Microsoft ships it.</summary>
    public const string OptInVariable = "VLO_ORT_TELEMETRY";

    private static bool? _allowed;
    private static bool _applied;

    /// <summary>Opts in before the library loads (e.g. from a setting); after that it throws.</summary>
    public static void Allow()
    {
        if (_applied && _allowed != true) throw new InvalidOperationException("ONNX Runtime is already loaded with telemetry off; opt in before first use");
        _allowed = true;
    }

    /// <summary>Whether telemetry was explicitly allowed (setting or <see cref="OptInVariable"/>).</summary>
    public static bool IsAllowed => _allowed ?? OptedInByEnvironment();

    /// <summary>One line for the status page and startup log: which way it is and why.</summary>
    public static string Status => Libc.GetEnvironmentVariable(DisableVariable) is "1"
        ? IsAllowed
            ? $"off: {DisableVariable}=1 was set by the launch environment, which overrides the opt-in"
            : $"off: {DisableVariable}=1 in the native environment before ONNX Runtime loaded"
        : $"on: explicitly allowed ({OptInVariable}=1 or a setting); ONNX Runtime may write ~/.cache/Microsoft/DeveloperTools and upload";

    /// <summary>Called by <see cref="OrtLibrary"/> right before any dlopen of ONNX Runtime.</summary>
    internal static void ApplyBeforeLoad()
    {
        if (IsAllowed) { _applied = true; return; }
        if (Libc.setenv(DisableVariable, "1", 1) != 0)
            throw new InvalidOperationException($"setenv({DisableVariable}) failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}); refusing to load ONNX Runtime with telemetry on");
        Environment.SetEnvironmentVariable(DisableVariable, "1"); // the managed copy, so child processes inherit it too
        _applied = true;
    }

    private static bool OptedInByEnvironment() =>
        Environment.GetEnvironmentVariable(OptInVariable) is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
