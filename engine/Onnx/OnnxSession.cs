using Microsoft.ML.OnnxRuntime;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// One loaded model: an owner around the managed API's <see cref="InferenceSession"/>.
/// <para>Threading: Run may be called from many threads at once — ORT documents <c>OrtApi::Run</c> as thread-safe on one
/// session, each call using the session's thread pools. What is NOT safe is sharing mutable tensors between concurrent
/// runs: two runs writing the same pre-allocated output (or one writing what another reads) race. Dispose only after
/// every Run has returned; later Runs throw <see cref="ObjectDisposedException"/>.</para>
/// <para>Cancellation: a token that fires sets <see cref="RunOptions.Terminate"/> on that run's options; ORT stops
/// between nodes and the run throws <see cref="OperationCanceledException"/>.</para>
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly HashSet<string> _inputNames;
    private readonly HashSet<string> _outputNames;
    private readonly bool _isProfiling;
    private InferenceSession? _session;

    private OnnxSession(InferenceSession session, bool isProfiling)
    {
        _session = session;
        _isProfiling = isProfiling;
        OrtHandleCounts.Created(OrtHandleKind.Session);
        Inputs = ReadInfos(session.InputNames, session.InputMetadata);
        Outputs = ReadInfos(session.OutputNames, session.OutputMetadata);
        _inputNames = [.. session.InputNames];
        _outputNames = [.. session.OutputNames];
    }

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    private InferenceSession Session => _session ?? throw new ObjectDisposedException(nameof(OnnxSession));

    /// <summary>Loads a model file; external-data files are found relative to its folder.</summary>
    public static OnnxSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return Create(o => new InferenceSession(modelPath, o), options);
    }

    /// <summary>Loads a model from its serialized bytes (no external data: there is no folder to resolve it against).</summary>
    public static OnnxSession Load(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null)
    {
        var bytes = model.ToArray();
        return Create(o => new InferenceSession(bytes, o), options);
    }

    private static OnnxSession Create(Func<SessionOptions, InferenceSession> load, OnnxSessionOptions? options)
    {
        options ??= new OnnxSessionOptions();
        var native = options.CreateNative();
        try
        {
            var session = OrtErrors.Translate(() => load(native));
            try
            {
                return new OnnxSession(session, options.ProfileFilePrefix is not null);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }
        finally
        {
            OnnxSessionOptions.Release(native);
        }
    }

    /// <summary>Runs with ORT allocating every output; the caller disposes the returned values.</summary>
    public OnnxValue[] Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OnnxValue> inputs, params ReadOnlySpan<string> outputNames)
    {
        var outputs = new OnnxValue?[outputNames.Length];
        Run(inputNames, inputs, outputNames, outputs);
        return outputs!;
    }

    /// <summary>
    /// Runs the model. Each non-null entry of <paramref name="outputs"/> is a pre-allocated tensor ORT writes
    /// into (it may share memory with an input, e.g. present KV over past KV); each null entry is filled with
    /// a value ORT allocated, which the caller then owns and disposes.
    /// </summary>
    public void Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OnnxValue> inputs, ReadOnlySpan<string> outputNames, Span<OnnxValue?> outputs) =>
        Run(inputNames, inputs, outputNames, outputs, CancellationToken.None);

    /// <summary>As <see cref="Run(ReadOnlySpan{string}, ReadOnlySpan{OnnxValue}, ReadOnlySpan{string}, Span{OnnxValue?})"/>;
    /// <paramref name="cancellationToken"/> terminates the run between nodes (RunOptions.Terminate).</summary>
    public void Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OnnxValue> inputs, ReadOnlySpan<string> outputNames, Span<OnnxValue?> outputs, CancellationToken cancellationToken)
    {
        if (inputNames.Length != inputs.Length) throw new ArgumentException($"{inputNames.Length} input names for {inputs.Length} inputs", nameof(inputs));
        if (outputNames.Length != outputs.Length) throw new ArgumentException($"{outputNames.Length} output names for {outputs.Length} output slots", nameof(outputs));
        var session = Session;
        var inValues = new OrtValue[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"input '{inputNames[i]}' is null");
            inValues[i] = input.Value;
            // Checked here because an IoBinding reports an unknown name as a bare FAIL; ORT's Run says InvalidArgument.
            if (!_inputNames.Contains(inputNames[i]))
                throw new OnnxRuntimeException(OnnxErrorCode.InvalidArgument, $"input name '{inputNames[i]}' is not an input of this model (inputs: {string.Join(", ", _inputNames)})");
        }
        foreach (var name in outputNames)
        {
            if (!_outputNames.Contains(name))
                throw new OnnxRuntimeException(OnnxErrorCode.InvalidArgument, $"output name '{name}' is not an output of this model (outputs: {string.Join(", ", _outputNames)})");
        }
        var allBound = true;
        foreach (var o in outputs) allBound &= o is not null;

        cancellationToken.ThrowIfCancellationRequested();
        RunOptions? runOptions = null;
        CancellationTokenRegistration registration = default;
        if (cancellationToken.CanBeCanceled)
        {
            runOptions = new RunOptions();
            OrtHandleCounts.Created(OrtHandleKind.RunOptions);
            var terminating = runOptions;
            registration = cancellationToken.Register(() => terminating.Terminate = true);
        }
        try
        {
            if (allBound)
            {
                // Every output pre-allocated (the decode step: logits and KV): one plain Run, nothing allocated by ORT.
                var outValues = new OrtValue[outputs.Length];
                for (var i = 0; i < outputs.Length; i++) outValues[i] = outputs[i]!.Value;
                session.Run(runOptions, inputNames.ToArray(), inValues, outputNames.ToArray(), outValues);
            }
            else
            {
                RunBound(session, runOptions, inputNames, inValues, outputNames, outputs);
            }
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException("the ONNX Runtime run was terminated", OrtErrors.From(e), cancellationToken);
            throw OrtErrors.From(e);
        }
        finally
        {
            registration.Dispose();
            if (runOptions is not null)
            {
                runOptions.Dispose();
                OrtHandleCounts.Released(OrtHandleKind.RunOptions);
            }
        }
    }

    /// <summary>
    /// <paramref name="byteLength"/> bytes from this session's allocator on <paramref name="device"/> (the CUDA device's
    /// memory for a CUDA session; host memory for <see cref="OnnxDevice.Cpu"/>). For buffers every run binds in place,
    /// such as the KV cache. Dispose the buffer before the session.
    /// </summary>
    public OnnxDeviceBuffer AllocateOnDevice(OnnxDevice device, long byteLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(byteLength);
        if (byteLength > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(byteLength), byteLength, "ONNX Runtime's allocator takes at most 4 GiB per block; split the buffer");
        var session = Session;
        return OrtErrors.Translate(() =>
        {
            var info = device.IsCuda
                ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, device.Index, OrtMemType.Default)
                : OrtMemoryInfo.DefaultInstance;
            OrtAllocator? allocator = null;
            try
            {
                allocator = new OrtAllocator(session, info); // the session's allocator for that device
                return new OnnxDeviceBuffer(allocator, allocator.Allocate((uint)byteLength), info, ownsMemoryInfo: device.IsCuda, device, byteLength);
            }
            catch
            {
                allocator?.Dispose();
                if (device.IsCuda) info.Dispose();
                throw;
            }
        });
    }

    public void Dispose()
    {
        var session = Interlocked.Exchange(ref _session, null);
        if (session is null) return;
        try
        {
            if (_isProfiling) session.EndProfiling(); // writes "{prefix}_{date}.json"; releasing the session alone does not
        }
        finally
        {
            session.Dispose();
        }
        OrtHandleCounts.Released(OrtHandleKind.Session);
    }

    /// <summary>
    /// Mixed outputs (some pre-allocated, some for ORT to allocate) through an <see cref="OrtIoBinding"/>: the managed
    /// Run takes either all or none pre-allocated. All or nothing on the way out: if wrapping one output fails, every
    /// value ORT returned is disposed and the caller's null slots stay null.
    /// </summary>
    private static void RunBound(InferenceSession session, RunOptions? runOptions, ReadOnlySpan<string> inputNames, OrtValue[] inputs,
        ReadOnlySpan<string> outputNames, Span<OnnxValue?> outputs)
    {
        using var binding = session.CreateIoBinding();
        for (var i = 0; i < inputs.Length; i++) binding.BindInput(inputNames[i], inputs[i]);
        for (var i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is { } bound) binding.BindOutput(outputNames[i], bound.Value);
            else binding.BindOutputToDevice(outputNames[i], OrtMemoryInfo.DefaultInstance);
        }
        if (runOptions is null)
        {
            using var defaults = new RunOptions();
            session.RunWithBinding(defaults, binding);
        }
        else
        {
            session.RunWithBinding(runOptions, binding);
        }
        var results = binding.GetOutputValues(); // one per bound output, in binding order; we own each
        var wrapped = new OnnxValue?[outputs.Length];
        var taken = new bool[results.Count];
        try
        {
            var index = 0;
            foreach (var result in results)
            {
                if (outputs[index] is null)
                {
                    taken[index] = true;
                    wrapped[index] = OnnxValue.FromOrtAllocated(result); // disposes the value itself on failure
                }
                index++;
            }
        }
        catch
        {
            foreach (var w in wrapped) w?.Dispose();
            var index = 0;
            foreach (var result in results)
            {
                if (!taken[index++]) result.Dispose();
            }
            throw;
        }
        var k = 0;
        foreach (var result in results)
        {
            if (outputs[k] is null) outputs[k] = wrapped[k];
            else result.Dispose(); // a second reference to the caller's own tensor
            k++;
        }
    }

    private static List<OnnxTensorInfo> ReadInfos(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var infos = new List<OnnxTensorInfo>(names.Count);
        foreach (var name in names)
        {
            var meta = metadata[name];
            if (!meta.IsTensor)
            {
                infos.Add(new OnnxTensorInfo(name, OnnxElementType.Undefined, [], []));
                continue;
            }
            var dims = Array.ConvertAll(meta.Dimensions, d => (long)d);
            var symbols = meta.SymbolicDimensions is { Length: var n } s && n == dims.Length ? Array.ConvertAll(s, x => x ?? "") : new string[dims.Length];
            for (var i = 0; i < symbols.Length; i++) symbols[i] ??= "";
            infos.Add(new OnnxTensorInfo(name, (OnnxElementType)(int)meta.ElementDataType, dims, symbols));
        }
        return infos;
    }
}
