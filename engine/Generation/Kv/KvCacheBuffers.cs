using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Generation.Kv;

/// <summary>
/// The decoder's KV cache: per layer one key and one value buffer <c>[slots, kv_heads, max_len, head_dim]</c> in native
/// memory (untouched pages cost no resident memory), of float32 or float16 as the package variant says. Hands out ONNX
/// tensors over the contiguous slots <c>first .. first+rows−1</c>, which ONNX Runtime reads as past and writes as present.
/// </summary>
public sealed class KvCacheBuffers : IDisposable
{
    private readonly IDisposable[] _buffers;
    private readonly Func<int, long, int, OnnxValue> _view;
    private readonly int _kvHeads;
    private readonly int _headDim;

    /// <param name="allocateOnDevice">null: host buffers (<see cref="NativeBuffer{T}"/>). Otherwise each layer's key and
    /// value buffer comes from this (a session's device allocator, <see cref="OnnxSession.AllocateOnDevice"/>): on CUDA
    /// the cache then lives in GPU memory and runs bind it in place.</param>
    public KvCacheBuffers(OnnxElementType type, int layers, int slots, int kvHeads, int maxLength, int headDim, Func<long, OnnxDeviceBuffer>? allocateOnDevice = null)
    {
        ElementType = type;
        _kvHeads = kvHeads;
        _headDim = headDim;
        MaxLength = maxLength;
        SlotStride = (long)kvHeads * maxLength * headDim;
        _buffers = new IDisposable[2 * layers];
        try
        {
            switch (type)
            {
                case OnnxElementType.Float or OnnxElementType.Float16 when allocateOnDevice is not null:
                    _view = AllocateOnDevice(slots, allocateOnDevice);
                    break;
                case OnnxElementType.Float:
                    _view = Allocate<float>(slots);
                    break;
                case OnnxElementType.Float16:
                    _view = Allocate<Half>(slots);
                    break;
                default:
                    throw new ArgumentException($"KV cache type {type} is not supported (float32 or float16)", nameof(type));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        BytesReserved = slots * BytesPerSlot(type, layers, kvHeads, maxLength, headDim);
    }

    /// <summary>Bytes one slot's keys and values take when full: layers × 2 × kv_heads × max_len × head_dim × element size.</summary>
    public static long BytesPerSlot(OnnxElementType type, int layers, int kvHeads, int maxLength, int headDim) =>
        2L * layers * kvHeads * maxLength * headDim * (type == OnnxElementType.Float16 ? 2 : sizeof(float));

    public OnnxElementType ElementType { get; }

    public int MaxLength { get; }

    /// <summary>Elements per slot per buffer: kv_heads × max_len × head_dim.</summary>
    public long SlotStride { get; }

    /// <summary>Bytes reserved (virtual; resident only where written).</summary>
    public long BytesReserved { get; }

    /// <summary>Layer <paramref name="layer"/>'s keys of slots first..first+rows−1 as [rows, kv_heads, max_len, head_dim].</summary>
    public OnnxValue Keys(int layer, int firstSlot, int rows) => _view(2 * layer, firstSlot * SlotStride, rows);

    public OnnxValue Values(int layer, int firstSlot, int rows) => _view(2 * layer + 1, firstSlot * SlotStride, rows);

    private Func<int, long, int, OnnxValue> Allocate<T>(int slots) where T : unmanaged
    {
        if (slots * SlotStride > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(slots), $"{slots} slots × {SlotStride} elements exceed one buffer; lower the slot count or max length");
        var buffers = new NativeBuffer<T>[_buffers.Length];
        for (var i = 0; i < buffers.Length; i++) _buffers[i] = buffers[i] = new NativeBuffer<T>(slots * SlotStride);
        return (index, offset, rows) =>
            OnnxValue.CreateTensor(buffers[index].Memory.Slice((int)offset, (int)(rows * SlotStride)), rows, _kvHeads, MaxLength, _headDim);
    }

    private Func<int, long, int, OnnxValue> AllocateOnDevice(int slots, Func<long, OnnxDeviceBuffer> allocate)
    {
        var elementBytes = OnnxElementTypes.SizeOf(ElementType);
        var buffers = new OnnxDeviceBuffer[_buffers.Length];
        for (var i = 0; i < buffers.Length; i++) _buffers[i] = buffers[i] = allocate(slots * SlotStride * elementBytes);
        return (index, offset, rows) => buffers[index].View(ElementType, offset * elementBytes, rows, _kvHeads, MaxLength, _headDim);
    }

    /// <summary>Whether the buffers came from a session's device allocator (GPU memory on CUDA).</summary>
    public bool IsOnDevice => _buffers.Length > 0 && _buffers[0] is OnnxDeviceBuffer;

    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer?.Dispose();
    }
}
