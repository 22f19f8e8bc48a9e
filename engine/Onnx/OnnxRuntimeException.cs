namespace VLOrleans.Engine.Onnx;

/// <summary>ORT's error codes (OrtErrorCode in onnxruntime_c_api.h), value for value.</summary>
public enum OnnxErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    ModelLoadCanceled = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
    // Newer runtimes may add codes; they arrive as their number (the enum holds any int).
}

/// <summary>An ONNX Runtime call failed; <see cref="Code"/> and the message are ORT's own.</summary>
public sealed class OnnxRuntimeException(OnnxErrorCode code, string message, Exception? inner = null)
    : Exception($"[ONNX Runtime {code}] {message}", inner)
{
    public OnnxErrorCode Code { get; } = code;

    /// <summary>ORT's message, without the code prefix.</summary>
    public string NativeMessage { get; } = message;
}

/// <summary>The ONNX Runtime library could not be found or loaded; the message names every path tried.</summary>
public sealed class OnnxRuntimeNotFoundException(string message, IReadOnlyList<string> attempts) : Exception(message)
{
    /// <summary>"path: reason" for each place tried, in order.</summary>
    public IReadOnlyList<string> Attempts { get; } = attempts;
}

/// <summary>
/// An execution provider was requested that the loaded ONNX Runtime library does not have, or that ORT refused to add
/// (e.g. CUDA listed but its provider library, the driver or CUDA/cuDNN missing); then the inner exception is ORT's.
/// <see cref="Detail"/> names what is missing and the versions the package needs, where that could be found out.
/// </summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException(string provider, IReadOnlyList<string> available, OnnxRuntimeException? ortRefusal = null, string? detail = null)
        : base((ortRefusal is null
                  ? $"{provider} is not available in the loaded ONNX Runtime library ({OrtLibrary.LoadedPathOrNull}); it has: {string.Join(", ", available)}. "
                  : $"ONNX Runtime could not add {provider}: {ortRefusal.NativeMessage} ") +
               (detail is null ? "" : detail + " ") +
               "For CUDA build with -p:OnnxRuntimeFlavor=gpu (Microsoft.ML.OnnxRuntime.Gpu.Linux) or point VLO_ORT_LIBRARY at a GPU build of ONNX Runtime; otherwise use the CPU provider.",
               ortRefusal)
    {
        Provider = provider;
        AvailableProviders = available;
        Detail = detail;
    }

    public string Provider { get; }

    public IReadOnlyList<string> AvailableProviders { get; }

    /// <summary>What is missing (package, driver, libraries) and the versions needed; null when not diagnosed.</summary>
    public string? Detail { get; }
}
