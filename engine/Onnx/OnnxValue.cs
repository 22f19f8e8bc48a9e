using System.Buffers;
using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// One tensor (an <c>OrtValue</c>). Two kinds:
/// <list type="bullet">
/// <item>over caller memory (<see cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/>): no copy; the memory is
/// pinned until <see cref="Dispose"/>, and ORT reads and writes it in place — this is how a pre-allocated
/// output can alias an input (KV cache updated in place). For big long-lived buffers allocate them pinned
/// (<c>GC.AllocateArray&lt;T&gt;(n, pinned: true)</c>) or in native memory, so pinning does not fragment the heap;</item>
/// <item>ORT-owned (<see cref="Allocate{T}"/>, or an output ORT allocated during Run): freed on Dispose.</item>
/// </list>
/// <see cref="GetTensorSpan{T}"/> views the data in place and is valid until Dispose. Not thread-safe for
/// writes; never dispose a value while a Run that uses it is in progress.
/// </summary>
public sealed unsafe class OnnxValue : IDisposable
{
    private readonly OrtValueHandle _handle;
    private readonly long[] _shape;
    private MemoryHandle _pin;

    private OnnxValue(OrtValueHandle handle, OnnxElementType type, long[] shape, MemoryHandle pin)
    {
        _handle = handle;
        ElementType = type;
        _shape = shape;
        _pin = pin;
        ElementCount = ShapeElementCount(shape);
    }

    public OnnxElementType ElementType { get; }

    /// <summary>The tensor's dimensions (a copy).</summary>
    public long[] Shape => (long[])_shape.Clone();

    public long ElementCount { get; }

    internal OrtValueHandle Handle => _handle;

    /// <summary>A tensor over <paramref name="data"/>, which must hold exactly the shape's element count. No copy.</summary>
    public static OnnxValue CreateTensor<T>(Memory<T> data, params ReadOnlySpan<long> shape) where T : unmanaged
    {
        var type = OnnxElementTypes.Of<T>();
        var count = ShapeElementCount(shape);
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] has {count} elements but the buffer holds {data.Length}", nameof(shape));
        var pin = data.Pin();
        try
        {
            nint value;
            fixed (long* dims = shape)
            {
                // A zero-element tensor still needs a non-null data pointer.
                var pointer = pin.Pointer != null ? pin.Pointer : (void*)OnnxEnvironment.CpuMemory.Pointer;
                OrtStatus.Check(OrtApi.CreateTensorWithDataAsOrtValue(
                    OnnxEnvironment.CpuMemory.Pointer, pointer, (nuint)((long)data.Length * sizeof(T)), dims, (nuint)shape.Length, (int)type, &value));
            }
            return new OnnxValue(new OrtValueHandle(value), type, shape.ToArray(), pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>A tensor over <paramref name="data"/> (see the Memory overload).</summary>
    public static OnnxValue CreateTensor<T>(T[] data, params ReadOnlySpan<long> shape) where T : unmanaged =>
        CreateTensor(data.AsMemory(), shape);

    /// <summary>A tensor in memory ORT allocates (uninitialised); fill it through <see cref="GetTensorSpan{T}"/>.</summary>
    public static OnnxValue Allocate<T>(params ReadOnlySpan<long> shape) where T : unmanaged => Allocate(OnnxElementTypes.Of<T>(), shape);

    public static OnnxValue Allocate(OnnxElementType type, params ReadOnlySpan<long> shape)
    {
        _ = ShapeElementCount(shape);
        nint value;
        fixed (long* dims = shape)
        {
            OrtStatus.Check(OrtApi.CreateTensorAsOrtValue(OnnxEnvironment.DefaultAllocator, dims, (nuint)shape.Length, (int)type, &value));
        }
        return new OnnxValue(new OrtValueHandle(value), type, shape.ToArray(), default);
    }

    /// <summary>The tensor data in place. <typeparamref name="T"/> must match <see cref="ElementType"/>.</summary>
    public Span<T> GetTensorSpan<T>() where T : unmanaged
    {
        var requested = OnnxElementTypes.Of<T>();
        if (requested != ElementType) throw new InvalidOperationException($"the tensor holds {ElementType}, not {requested} ({typeof(T).Name})");
        if (ElementCount == 0) return [];
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            void* data;
            OrtStatus.Check(OrtApi.GetTensorMutableData(_handle.Pointer, &data));
            return new Span<T>(data, checked((int)ElementCount));
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>A copy of the data, for small outputs and tests.</summary>
    public T[] ToArray<T>() where T : unmanaged => GetTensorSpan<T>().ToArray();

    /// <summary>Wraps an output ORT allocated during Run, reading its type and shape.</summary>
    internal static OnnxValue FromOrtAllocated(nint value)
    {
        var handle = new OrtValueHandle(value);
        try
        {
            int isTensor;
            OrtStatus.Check(OrtApi.IsTensor(value, &isTensor));
            if (isTensor == 0) return new OnnxValue(handle, OnnxElementType.Undefined, [], default);
            nint info;
            OrtStatus.Check(OrtApi.GetTensorTypeAndShape(value, &info));
            using var infoHandle = new OrtTensorTypeAndShapeInfoHandle(info);
            var (type, dims, _) = OnnxTensorInfo.Read(info);
            return new OnnxValue(handle, type, dims, default);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        _pin.Dispose(); // after the OrtValue: ORT must never see unpinned memory
        _pin = default;
    }

    private static long ShapeElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor dimensions must be >= 0, got {d}", nameof(shape));
            count = checked(count * d);
        }
        return count;
    }
}
