using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>The native object kinds we own; one live counter each (<see cref="OrtHandleCounts"/>).</summary>
internal enum OrtHandleKind
{
    Env,
    SessionOptions,
    Session,
    Value,
    MemoryInfo,
    TypeInfo,
    TensorTypeAndShapeInfo,
    CudaProviderOptions,
}

/// <summary>
/// Live native objects per kind: +1 when a handle takes ownership, -1 in ReleaseHandle. Tests assert
/// that a loop of failures leaves the counts where they started (STYLE.md §4.6).
/// </summary>
internal static class OrtHandleCounts
{
    private static readonly int[] Live = new int[Enum.GetValues<OrtHandleKind>().Length];

    public static int Of(OrtHandleKind kind) => Volatile.Read(ref Live[(int)kind]);

    /// <summary>A snapshot of all counts, for before/after comparisons.</summary>
    public static int[] Snapshot() => [.. Enum.GetValues<OrtHandleKind>().Select(Of)];

    internal static void Created(OrtHandleKind kind) => Interlocked.Increment(ref Live[(int)kind]);

    internal static void Released(OrtHandleKind kind) => Interlocked.Decrement(ref Live[(int)kind]);
}

/// <summary>
/// Owns one ORT object and frees it through exactly one Release function. Constructed only after the
/// native create call succeeded, with the non-null pointer it returned.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(nint pointer, OrtHandleKind kind) : base(0, ownsHandle: true)
    {
        if (pointer == 0) throw new ArgumentException("ORT returned success with a null object", nameof(pointer));
        Kind = kind;
        SetHandle(pointer);
        OrtHandleCounts.Created(kind);
    }

    public OrtHandleKind Kind { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw pointer, for a native call while the caller keeps this handle alive.</summary>
    public nint Pointer => handle;

    protected sealed override bool ReleaseHandle()
    {
        Free(handle);
        OrtHandleCounts.Released(Kind);
        return true;
    }

    protected abstract void Free(nint pointer);
}

internal sealed class OrtEnvHandle(nint p) : OrtHandle(p, OrtHandleKind.Env)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseEnv(pointer);
}

internal sealed class OrtSessionOptionsHandle(nint p) : OrtHandle(p, OrtHandleKind.SessionOptions)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseSessionOptions(pointer);
}

internal sealed class OrtSessionHandle(nint p) : OrtHandle(p, OrtHandleKind.Session)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseSession(pointer);
}

internal sealed class OrtValueHandle(nint p) : OrtHandle(p, OrtHandleKind.Value)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseValue(pointer);
}

internal sealed class OrtMemoryInfoHandle(nint p) : OrtHandle(p, OrtHandleKind.MemoryInfo)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseMemoryInfo(pointer);
}

internal sealed class OrtTypeInfoHandle(nint p) : OrtHandle(p, OrtHandleKind.TypeInfo)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseTypeInfo(pointer);
}

internal sealed class OrtTensorTypeAndShapeInfoHandle(nint p) : OrtHandle(p, OrtHandleKind.TensorTypeAndShapeInfo)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseTensorTypeAndShapeInfo(pointer);
}

internal sealed class OrtCudaProviderOptionsHandle(nint p) : OrtHandle(p, OrtHandleKind.CudaProviderOptions)
{
    protected override void Free(nint pointer) => OrtApi.ReleaseCUDAProviderOptions(pointer);
}
