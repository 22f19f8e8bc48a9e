using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// A block of memory ONNX Runtime's allocator gave us on a session's device (<see cref="OnnxSession.AllocateOnDevice"/>):
/// GPU memory for a CUDA session, host memory for a CPU one. Tensors over slices of it (<see cref="View"/>) are bound to
/// runs in place, so a KV cache allocated here never crosses PCIe — a decode step moves only its small inputs and the
/// logits. The host must never read a CUDA buffer's views (<see cref="OnnxValue.GetTensorSpan{T}"/> would touch device
/// addresses). Owner-disposed, before its session; not thread-safe.
/// </summary>
public sealed class OnnxDeviceBuffer : IDisposable
{
    private readonly OrtMemoryInfo _memoryInfo;
    private readonly bool _ownsMemoryInfo;
    private readonly OrtAllocator _allocator;
    private OrtMemoryAllocation? _allocation;

    /// <summary>Takes ownership of the allocator (created for the session by OrtCreateAllocator, released after the block)
    /// and, when <paramref name="ownsMemoryInfo"/>, of the memory description.</summary>
    internal OnnxDeviceBuffer(OrtAllocator allocator, OrtMemoryAllocation allocation, OrtMemoryInfo memoryInfo, bool ownsMemoryInfo, OnnxDevice device, long byteLength)
    {
        _allocator = allocator;
        _allocation = allocation;
        _memoryInfo = memoryInfo;
        _ownsMemoryInfo = ownsMemoryInfo;
        Device = device;
        ByteLength = byteLength;
    }

    public OnnxDevice Device { get; }

    public long ByteLength { get; }

    /// <summary>A tensor of <paramref name="type"/> and <paramref name="shape"/> over the bytes from <paramref name="byteOffset"/>;
    /// dispose it before the buffer.</summary>
    public OnnxValue View(OnnxElementType type, long byteOffset, params ReadOnlySpan<long> shape)
    {
        var allocation = _allocation ?? throw new ObjectDisposedException(nameof(OnnxDeviceBuffer));
        long count = 1;
        foreach (var d in shape) count = checked(count * (d >= 0 ? d : throw new ArgumentException($"tensor dimensions must be >= 0, got {d}", nameof(shape))));
        var bytes = count * OnnxElementTypes.SizeOf(type);
        if (byteOffset < 0 || byteOffset + bytes > ByteLength)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"bytes {byteOffset}..{byteOffset + bytes} lie outside the buffer's {ByteLength}");
        var dims = shape.ToArray();
        var value = Interop.OrtErrors.Translate(() =>
            OrtValue.CreateTensorValueWithData(_memoryInfo, (TensorElementType)(int)type, dims, allocation.DangerousGetHandle() + (nint)byteOffset, bytes));
        return OnnxValue.Wrap(value, type, dims);
    }

    public void Dispose()
    {
        var allocation = Interlocked.Exchange(ref _allocation, null);
        if (allocation is null) return;
        allocation.Dispose();
        _allocator.Dispose();
        if (_ownsMemoryInfo) _memoryInfo.Dispose();
    }
}
