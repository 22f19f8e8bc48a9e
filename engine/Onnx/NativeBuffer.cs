using System.Buffers;
using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Onnx;

/// <summary>
/// A large buffer in native memory, exposed as <see cref="Memory{T}"/> so <see cref="OnnxValue.CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/>
/// can view any slice of it without a copy. Used for KV caches: unlike a managed array (zeroed, so every page is
/// touched at once), untouched pages of a native allocation cost no resident memory — a pool sized for 4,096-token
/// slots only pays for the tokens actually cached. Owner-disposed; not thread-safe.
/// </summary>
public sealed unsafe class NativeBuffer<T> : MemoryManager<T> where T : unmanaged
{
    // 64-byte alignment: one cache line, and what MLAS's vector kernels prefer.
    private const nuint Alignment = 64;

    private T* _pointer;

    public NativeBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), length, "a Memory<T> holds at most int.MaxValue elements; split the buffer");
        Length = (int)length;
        _pointer = (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1) * (nuint)sizeof(T), Alignment);
    }

    public int Length { get; }

    public long ByteLength => (long)Length * sizeof(T);

    public override Span<T> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new Span<T>(_pointer, Length);
    }

    // Native memory never moves: pinning is a no-op that hands out the pointer.
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        if ((uint)elementIndex > (uint)Length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        if (_pointer == null) return;
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
    }
}
