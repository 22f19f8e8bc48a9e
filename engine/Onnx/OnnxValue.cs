using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// One tensor: an owner around the managed API's <see cref="OrtValue"/>. Two kinds:
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
public sealed class OnnxValue : IDisposable
{
    private readonly long[] _shape;
    private OrtValue? _value;
    private MemoryHandle _pin;

    private OnnxValue(OrtValue value, OnnxElementType type, long[] shape, MemoryHandle pin)
    {
        _value = value;
        ElementType = type;
        _shape = shape;
        _pin = pin;
        ElementCount = ShapeElementCount(shape);
        OrtHandleCounts.Created(OrtHandleKind.Value);
    }

    public OnnxElementType ElementType { get; }

    /// <summary>The tensor's dimensions (a copy).</summary>
    public long[] Shape => (long[])_shape.Clone();

    public long ElementCount { get; }

    /// <summary>The managed API's value; throws once disposed.</summary>
    internal OrtValue Value => _value ?? throw new ObjectDisposedException(nameof(OnnxValue));

    /// <summary>A tensor over <paramref name="data"/>, which must hold exactly the shape's element count. No copy.</summary>
    public static unsafe OnnxValue CreateTensor<T>(Memory<T> data, params ReadOnlySpan<long> shape) where T : unmanaged
    {
        var type = OnnxElementTypes.Of<T>();
        var count = ShapeElementCount(shape);
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] has {count} elements but the buffer holds {data.Length}", nameof(shape));
        OrtLibrary.EnsureLoaded();
        var pin = data.Pin();
        try
        {
            // A zero-element tensor still needs a non-null data pointer: any valid address will do, nothing is read.
            var pointer = pin.Pointer != null ? (nint)pin.Pointer : (nint)(&count);
            var dims = shape.ToArray();
            var value = OrtErrors.Translate(() => OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, (TensorElementType)(int)type, dims, pointer, (long)data.Length * sizeof(T)));
            return new OnnxValue(value, type, dims, pin);
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
        OrtLibrary.EnsureLoaded();
        var dims = shape.ToArray();
        var value = OrtErrors.Translate(() => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)type, dims));
        return new OnnxValue(value, type, dims, default);
    }

    /// <summary>The tensor data in place. <typeparamref name="T"/> must match <see cref="ElementType"/>.</summary>
    public Span<T> GetTensorSpan<T>() where T : unmanaged
    {
        var requested = OnnxElementTypes.Of<T>();
        if (requested != ElementType) throw new InvalidOperationException($"the tensor holds {ElementType}, not {requested} ({typeof(T).Name})");
        if (ElementCount == 0) return [];
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Value.GetTensorMutableRawData());
    }

    /// <summary>A copy of the data, for small outputs and tests.</summary>
    public T[] ToArray<T>() where T : unmanaged => GetTensorSpan<T>().ToArray();

    /// <summary>Owns a tensor made elsewhere in this folder over memory that needs no pin (device memory).</summary>
    internal static OnnxValue Wrap(OrtValue value, OnnxElementType type, long[] shape) => new(value, type, shape, default);

    /// <summary>Takes ownership of a value ORT allocated during Run, reading its type and shape.</summary>
    internal static OnnxValue FromOrtAllocated(OrtValue value)
    {
        try
        {
            if (!value.IsTensor) return new OnnxValue(value, OnnxElementType.Undefined, [], default);
            var info = value.GetTensorTypeAndShape();
            return new OnnxValue(value, (OnnxElementType)(int)info.ElementDataType, info.Shape, default);
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        var value = Interlocked.Exchange(ref _value, null);
        if (value is null) return;
        value.Dispose();
        _pin.Dispose(); // after the OrtValue: ORT must never see unpinned memory
        _pin = default;
        OrtHandleCounts.Released(OrtHandleKind.Value);
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
