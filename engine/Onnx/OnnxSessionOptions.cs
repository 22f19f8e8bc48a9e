using System.Text;
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

    internal unsafe OrtSessionOptionsHandle CreateNative()
    {
        nint raw;
        OrtStatus.Check(OrtApi.CreateSessionOptions(&raw));
        var options = new OrtSessionOptionsHandle(raw);
        try
        {
            OrtStatus.Check(OrtApi.SetIntraOpNumThreads(raw, IntraOpThreadCount));
            OrtStatus.Check(OrtApi.SetInterOpNumThreads(raw, InterOpThreadCount));
            OrtStatus.Check(OrtApi.SetSessionGraphOptimizationLevel(raw, (int)OptimizationLevel));
            if (LogLevel is { } level) OrtStatus.Check(OrtApi.SetSessionLogSeverityLevel(raw, (int)level));
            if (ProfileFilePrefix is { } prefix)
            {
                fixed (byte* p = Utf8Z(prefix)) OrtStatus.Check(OrtApi.EnableProfiling(raw, p));
            }
            foreach (var (key, value) in ConfigEntries)
            {
                fixed (byte* k = Utf8Z(key), v = Utf8Z(value)) OrtStatus.Check(OrtApi.AddSessionConfigEntry(raw, k, v));
            }
            // ORT refuses a domain added twice; options built up by several callers may list one twice.
            foreach (var domain in CustomOpDomains.Distinct()) OrtStatus.Check(OrtApi.AddCustomOpDomain(raw, domain.Pointer));
            if (ExecutionProvider == OnnxExecutionProvider.Cuda) AppendCuda(raw);
            // CPU needs no call: ORT always appends its CPU provider last, as the fallback for nodes others can't run.
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends CUDA through the V2 options object (CreateCUDAProviderOptions + UpdateCUDAProviderOptions +
    /// SessionOptionsAppendExecutionProvider_CUDA_V2). Not exercised on this project's CI machine (no GPU,
    /// and the CPU build from onnxruntime-node lacks libonnxruntime_providers_cuda.so): there ORT itself
    /// refuses, and the refusal surfaces as an <see cref="ExecutionProviderUnavailableException"/> wrapping ORT's error.
    /// </summary>
    private unsafe void AppendCuda(nint options)
    {
        var available = OrtLibrary.GetAvailableProviders();
        if (!available.Contains("CUDAExecutionProvider")) throw new ExecutionProviderUnavailableException("CUDAExecutionProvider", available);
        try
        {
            nint raw;
            OrtStatus.Check(OrtApi.CreateCUDAProviderOptions(&raw));
            using var cuda = new OrtCudaProviderOptionsHandle(raw);
            fixed (byte* key = "device_id"u8, value = Utf8Z(CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                var keys = stackalloc byte*[1] { key };
                var values = stackalloc byte*[1] { value };
                OrtStatus.Check(OrtApi.UpdateCUDAProviderOptions(raw, keys, values, 1));
            }
            OrtStatus.Check(OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2(options, raw)); // ORT copies the options
        }
        catch (OnnxRuntimeException refusal)
        {
            // ORT loads libonnxruntime_providers_shared.so / _cuda.so lazily, on the first CUDA call; a CPU
            // build or a machine without CUDA fails here.
            throw new ExecutionProviderUnavailableException("CUDAExecutionProvider", available, refusal);
        }
    }

    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
