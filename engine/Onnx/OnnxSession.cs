using System.Runtime.InteropServices;
using System.Text;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// One loaded model (an <c>OrtSession</c>).
/// <para>Threading: <see cref="Run(ReadOnlySpan{string}, ReadOnlySpan{OnnxValue}, ReadOnlySpan{string}, Span{OnnxValue?})"/>
/// may be called from many threads at once — ORT documents <c>OrtApi::Run</c> as thread-safe on one session,
/// each call using the session's thread pools. What is NOT safe is sharing mutable tensors between
/// concurrent runs: two runs writing the same pre-allocated output (or one writing what another reads)
/// race. Disposing while a Run is in progress is safe (the native release waits for the run to return) but
/// later Runs throw <see cref="ObjectDisposedException"/>.</para>
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private readonly OrtSessionHandle _handle;

    private OnnxSession(OrtSessionHandle handle)
    {
        _handle = handle;
        try
        {
            Inputs = ReadInfos(isInput: true);
            Outputs = ReadInfos(isInput: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>Loads a model file; external-data files are found relative to its folder.</summary>
    public static OnnxSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var env = OnnxEnvironment.Env;
        using var nativeOptions = (options ?? new OnnxSessionOptions()).CreateNative();
        nint session;
        fixed (byte* path = OnnxSessionOptions.Utf8Z(modelPath))
        {
            OrtStatus.Check(OrtApi.CreateSession(env.Pointer, path, nativeOptions.Pointer, &session));
        }
        return new OnnxSession(new OrtSessionHandle(session));
    }

    /// <summary>Loads a model from its serialized bytes (no external data: there is no folder to resolve it against).</summary>
    public static OnnxSession Load(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null)
    {
        var env = OnnxEnvironment.Env;
        using var nativeOptions = (options ?? new OnnxSessionOptions()).CreateNative();
        nint session;
        fixed (byte* data = model)
        {
            OrtStatus.Check(OrtApi.CreateSessionFromArray(env.Pointer, data, (nuint)model.Length, nativeOptions.Pointer, &session));
        }
        return new OnnxSession(new OrtSessionHandle(session));
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
    public void Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OnnxValue> inputs, ReadOnlySpan<string> outputNames, Span<OnnxValue?> outputs)
    {
        if (inputNames.Length != inputs.Length) throw new ArgumentException($"{inputNames.Length} input names for {inputs.Length} inputs", nameof(inputs));
        if (outputNames.Length != outputs.Length) throw new ArgumentException($"{outputNames.Length} output names for {outputs.Length} output slots", nameof(outputs));

        var inputCount = inputs.Length;
        var outputCount = outputs.Length;
        // Keep every native object alive for the duration of the call (SafeHandle ref counts).
        var held = new SafeHandle[1 + inputCount + outputCount];
        var heldCount = 0;
        var names = new NativeNames(inputNames, outputNames);
        var valuePointers = (nint*)NativeMemory.AllocZeroed((nuint)(inputCount + outputCount + 1), (nuint)sizeof(nint));
        try
        {
            AddRef(_handle, held, ref heldCount);
            for (var i = 0; i < inputCount; i++)
            {
                var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"input '{inputNames[i]}' is null");
                AddRef(input.Handle, held, ref heldCount);
                valuePointers[i] = input.Handle.Pointer;
            }
            var outputPointers = valuePointers + inputCount;
            for (var i = 0; i < outputCount; i++)
            {
                if (outputs[i] is not { } preallocated) continue;
                AddRef(preallocated.Handle, held, ref heldCount);
                outputPointers[i] = preallocated.Handle.Pointer;
            }

            OrtStatus.Check(OrtApi.Run(_handle.Pointer, 0, names.Inputs, valuePointers, (nuint)inputCount, names.Outputs, (nuint)outputCount, outputPointers));

            WrapAllocatedOutputs(outputs, outputPointers);
        }
        finally
        {
            for (var i = 0; i < heldCount; i++) held[i].DangerousRelease();
            NativeMemory.Free(valuePointers);
            names.Dispose();
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Gives each ORT-allocated output an owner. All or nothing: if wrapping one fails, the values wrapped so
    /// far are disposed and the rest released, so nothing leaks and the caller's null slots stay null.
    /// </summary>
    private static void WrapAllocatedOutputs(Span<OnnxValue?> outputs, nint* pointers)
    {
        var wrapped = new OnnxValue?[outputs.Length];
        var next = 0;
        try
        {
            for (; next < outputs.Length; next++)
            {
                if (outputs[next] is null) wrapped[next] = OnnxValue.FromOrtAllocated(pointers[next]);
            }
        }
        catch
        {
            for (var i = 0; i < outputs.Length; i++)
            {
                if (outputs[i] is not null) continue;
                if (i < next) wrapped[i]?.Dispose();
                else if (i > next) OrtApi.ReleaseValue(pointers[i]); // FromOrtAllocated disposes its own on failure
            }
            throw;
        }
        for (var i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is null) outputs[i] = wrapped[i];
        }
    }

    private static void AddRef(SafeHandle handle, SafeHandle[] held, ref int heldCount)
    {
        var added = false;
        handle.DangerousAddRef(ref added); // throws ObjectDisposedException for a disposed session or value
        if (added) held[heldCount++] = handle;
    }

    private List<OnnxTensorInfo> ReadInfos(bool isInput)
    {
        nuint count;
        OrtStatus.Check(isInput ? OrtApi.SessionGetInputCount(_handle.Pointer, &count) : OrtApi.SessionGetOutputCount(_handle.Pointer, &count));
        var infos = new List<OnnxTensorInfo>((int)count);
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            OrtStatus.Check(isInput
                ? OrtApi.SessionGetInputName(_handle.Pointer, i, OnnxEnvironment.DefaultAllocator, &rawName)
                : OrtApi.SessionGetOutputName(_handle.Pointer, i, OnnxEnvironment.DefaultAllocator, &rawName));
            var name = OnnxEnvironment.TakeAllocatedString(rawName);

            nint typeInfo;
            OrtStatus.Check(isInput
                ? OrtApi.SessionGetInputTypeInfo(_handle.Pointer, i, &typeInfo)
                : OrtApi.SessionGetOutputTypeInfo(_handle.Pointer, i, &typeInfo));
            using var typeInfoHandle = new OrtTypeInfoHandle(typeInfo);
            nint tensorInfo;
            OrtStatus.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo)); // owned by typeInfo
            if (tensorInfo == 0)
            {
                infos.Add(new OnnxTensorInfo(name, OnnxElementType.Undefined, [], []));
                continue;
            }
            var (type, dims, symbols) = OnnxTensorInfo.Read(tensorInfo);
            infos.Add(new OnnxTensorInfo(name, type, dims, symbols));
        }
        return infos;
    }

    /// <summary>
    /// Input and output names as NUL-terminated UTF-8 in one native block, plus the two pointer arrays Run
    /// takes. One allocation per Run: a decoder step runs for milliseconds, this costs well under a microsecond.
    /// </summary>
    private readonly struct NativeNames : IDisposable
    {
        private readonly byte* _block;

        public NativeNames(ReadOnlySpan<string> inputNames, ReadOnlySpan<string> outputNames)
        {
            var count = inputNames.Length + outputNames.Length;
            long textBytes = 0;
            foreach (var n in inputNames) textBytes += Encoding.UTF8.GetByteCount(n ?? throw new ArgumentNullException(nameof(inputNames))) + 1;
            foreach (var n in outputNames) textBytes += Encoding.UTF8.GetByteCount(n ?? throw new ArgumentNullException(nameof(outputNames))) + 1;
            var pointerBytes = (long)(count + 1) * sizeof(byte*);
            _block = (byte*)NativeMemory.Alloc((nuint)(pointerBytes + textBytes));
            var pointers = (byte**)_block;
            var text = _block + pointerBytes;
            var end = text + textBytes;
            var index = 0;
            foreach (var n in inputNames) pointers[index++] = Write(n, ref text, end);
            foreach (var n in outputNames) pointers[index++] = Write(n, ref text, end);
            Inputs = pointers;
            Outputs = pointers + inputNames.Length;
        }

        public byte** Inputs { get; }

        public byte** Outputs { get; }

        public void Dispose() => NativeMemory.Free(_block);

        private static byte* Write(string s, ref byte* text, byte* end)
        {
            var start = text;
            var written = Encoding.UTF8.GetBytes(s, new Span<byte>(text, (int)(end - text)));
            text[written] = 0;
            text += written + 1;
            return start;
        }
    }
}
