using System.Text;
using Microsoft.ML.OnnxRuntime;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>ORT graph optimisation levels (GraphOptimizationLevel).</summary>
public enum OnnxGraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Where a session runs. CPU is always there; CUDA only with a GPU build of ORT.</summary>
public enum OnnxExecutionProvider
{
    Cpu,
    Cuda,
}

/// <summary>
/// How to build a session. A plain managed object: the native OrtSessionOptions exists only while
/// <see cref="OnnxSession"/> is being created, so these options can be shared and reused freely.
/// </summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads inside one operator (0 = ORT's default: one per physical core).</summary>
    public int IntraOpThreadCount { get; init; }

    /// <summary>Threads across independent operators (0 = default; only used in parallel execution mode).</summary>
    public int InterOpThreadCount { get; init; }

    public OnnxGraphOptimizationLevel OptimizationLevel { get; init; } = OnnxGraphOptimizationLevel.All;

    public OnnxExecutionProvider ExecutionProvider { get; init; } = OnnxExecutionProvider.Cpu;

    /// <summary>The GPU for <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>Session log level; null inherits the environment's.</summary>
    public OnnxLogLevel? LogLevel { get; init; }

    /// <summary>
    /// Session configuration entries (AddSessionConfigEntry), keys as in ORT's
    /// onnxruntime_session_options_config_keys.h, e.g. "session.intra_op.allow_spinning" = "0".
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();

    /// <summary>Custom-op domains whose ops the model may use (e.g. the engine's decode attention).</summary>
    public IReadOnlyList<CustomOps.OnnxCustomOpDomain> CustomOpDomains { get; init; } = [];

    /// <summary>When set, ORT records every node's run time and writes "{prefix}_{date}.json" (Chrome trace format)
    /// when the session is disposed — the per-op profile behind docs/PERFORMANCE.md. Off by default (it costs a
    /// timestamp pair per node).</summary>
    public string? ProfileFilePrefix { get; init; }

    /// <summary>
    /// Builds the managed <see cref="SessionOptions"/> (counted; the caller disposes it right after creating the session:
    /// ORT copies everything, custom-op domains included, into the session).
    /// </summary>
    internal SessionOptions CreateNative()
    {
        OrtLibrary.EnsureLoaded();
        _ = OnnxEnvironment.Env;
        var options = new SessionOptions();
        OrtHandleCounts.Created(OrtHandleKind.SessionOptions);
        try
        {
            OrtErrors.Translate(() =>
            {
                options.IntraOpNumThreads = IntraOpThreadCount;
                options.InterOpNumThreads = InterOpThreadCount;
                options.GraphOptimizationLevel = OptimizationLevel switch
                {
                    OnnxGraphOptimizationLevel.DisableAll => GraphOptimizationLevel.ORT_DISABLE_ALL,
                    OnnxGraphOptimizationLevel.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                    OnnxGraphOptimizationLevel.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                    _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
                };
                if (LogLevel is { } level) options.LogSeverityLevel = (OrtLoggingLevel)(int)level;
                if (ProfileFilePrefix is { } prefix)
                {
                    options.ProfileOutputPathPrefix = prefix; // first: the EnableProfiling setter passes the prefix to ORT
                    options.EnableProfiling = true;
                }
                foreach (var (key, value) in ConfigEntries) options.AddSessionConfigEntry(key, value);
            });
            // ORT refuses a domain added twice; options built up by several callers may list one twice.
            foreach (var domain in CustomOpDomains.Distinct()) domain.AddTo(options);
            if (ExecutionProvider == OnnxExecutionProvider.Cuda) AppendCuda(options);
            // CPU needs no call: ORT always appends its CPU provider last, as the fallback for nodes others can't run.
            return options;
        }
        catch
        {
            Release(options);
            throw;
        }
    }

    /// <summary>Disposes options made by <see cref="CreateNative"/>.</summary>
    internal static void Release(SessionOptions options)
    {
        options.Dispose();
        OrtHandleCounts.Released(OrtHandleKind.SessionOptions);
    }

    /// <summary>
    /// Appends CUDA (device_id only; ORT's defaults otherwise). Not exercised on this project's CI machine (no GPU, CPU
    /// package): there the provider is not in the library, and the refusal names what is missing
    /// (<see cref="CudaRequirements"/>): the GPU package, the driver, or the CUDA/cuDNN libraries and their versions.
    /// </summary>
    private void AppendCuda(SessionOptions options)
    {
        var available = OrtLibrary.GetAvailableProviders();
        if (!available.Contains(CudaRequirements.ProviderName))
            throw new ExecutionProviderUnavailableException(CudaRequirements.ProviderName, available, detail: CudaRequirements.Diagnose().Describe());
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            options.AppendExecutionProvider_CUDA(cuda); // ORT copies the options
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException refusal)
        {
            // ORT loads libonnxruntime_providers_shared.so / _cuda.so (and through it CUDA, cuBLAS, cuDNN) lazily, on
            // this call: a missing driver or library fails here.
            throw new ExecutionProviderUnavailableException(CudaRequirements.ProviderName, available, OrtErrors.From(refusal), CudaRequirements.Diagnose().Describe());
        }
    }

    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
