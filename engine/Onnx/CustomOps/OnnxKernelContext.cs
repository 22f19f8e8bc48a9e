using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx.CustomOps;

/// <summary>One tensor a custom op reads or writes: element type, shape and the data in place.</summary>
public readonly unsafe struct OnnxKernelTensor
{
    private readonly void* _data;

    internal OnnxKernelTensor(OnnxElementType type, long[] shape, void* data)
    {
        ElementType = type;
        Shape = shape;
        _data = data;
        ElementCount = 1;
        foreach (var d in shape) ElementCount *= d;
    }

    public OnnxElementType ElementType { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ElementCount { get; }

    /// <summary>Whether both tensors start at the same memory (an output bound to an input's buffer, e.g. an in-place cache).</summary>
    public bool SharesMemoryWith(OnnxKernelTensor other) => _data == other._data;

    /// <summary>The data as <typeparamref name="T"/> elements; the type must match.</summary>
    public Span<T> As<T>() where T : unmanaged
    {
        var requested = OnnxElementTypes.Of<T>();
        if (requested != ElementType) throw new InvalidOperationException($"the tensor holds {ElementType}, not {requested}");
        return new Span<T>(_data, checked((int)ElementCount));
    }
}

/// <summary>
/// What a custom op's <see cref="OnnxCustomOp.Compute"/> sees of the running node (an <c>OrtKernelContext</c>): its
/// inputs, outputs of the shapes it chooses, and the session's intra-op threads. Valid only during that call.
/// </summary>
public readonly unsafe struct OnnxKernelContext
{
    private readonly nint _context;

    internal OnnxKernelContext(nint context) => _context = context;

    public OnnxKernelTensor Input(int index)
    {
        nint value;
        OrtStatus.Check(OrtApi.KernelContext_GetInput(_context, (nuint)index, &value));
        if (value == 0) throw new ArgumentException($"input {index} is absent");
        return Describe(value);
    }

    /// <summary>Output <paramref name="index"/> with this shape: the memory the caller bound to it, or ORT's.</summary>
    public OnnxKernelTensor Output(int index, params ReadOnlySpan<long> shape)
    {
        nint value;
        fixed (long* dims = shape) OrtStatus.Check(OrtApi.KernelContext_GetOutput(_context, (nuint)index, dims, (nuint)shape.Length, &value));
        return Describe(value);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) for i in 0..<paramref name="count"/>−1 on the session's intra-op threads, the
    /// calling thread included, so a kernel uses the cores ORT already owns instead of competing with its spinning
    /// pool. The first exception thrown by any call is rethrown here after all calls return.
    /// </summary>
    public void ParallelFor(int count, Action<int> body)
    {
        if (count <= 0) return;
        var work = new ParallelWork(body);
        var handle = GCHandle.Alloc(work);
        try
        {
            OrtStatus.Check(OrtApi.KernelContext_ParallelFor(_context, &RunOne, (nuint)count, 0, (void*)GCHandle.ToIntPtr(handle)));
        }
        finally
        {
            handle.Free();
        }
        work.Failure?.Throw();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void RunOne(void* userData, nuint index)
    {
        var work = (ParallelWork)GCHandle.FromIntPtr((nint)userData).Target!;
        try
        {
            work.Body((int)index);
        }
        catch (Exception e)
        {
            // An exception must not unwind into ORT's thread pool: keep the first, rethrow on the calling thread.
            Interlocked.CompareExchange(ref work.Failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
        }
    }

    private static OnnxKernelTensor Describe(nint value)
    {
        nint info;
        OrtStatus.Check(OrtApi.GetTensorTypeAndShape(value, &info));
        (OnnxElementType Type, long[] Dims) described;
        try
        {
            described = OnnxTensorInfo.ReadTypeAndDims(info);
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }
        void* data;
        OrtStatus.Check(OrtApi.GetTensorMutableData(value, &data));
        return new OnnxKernelTensor(described.Type, described.Dims, data);
    }

    private sealed class ParallelWork(Action<int> body)
    {
        public readonly Action<int> Body = body;
        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure;
    }
}
