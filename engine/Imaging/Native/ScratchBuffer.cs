using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Imaging.Native;

/// <summary>
/// An unmanaged intermediate pixel buffer (RGBA before flattening, CMYK before conversion),
/// freed as soon as the decode is done. Not pooled: a pool would keep a 64 Mpx × 4 = 256 MB array
/// alive after one large request; not a GC array: those large arrays wait for a gen-2 collection.
/// </summary>
internal sealed unsafe class ScratchBuffer : SafeHandle
{
    public ScratchBuffer(long length) : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue);
        Length = (int)length;
        SetHandle((IntPtr)NativeMemory.Alloc((nuint)length));
    }

    public int Length { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Pointer => (byte*)handle;

    public Span<byte> Span => new((void*)handle, Length);

    protected override bool ReleaseHandle()
    {
        NativeMemory.Free((void*)handle);
        return true;
    }
}
