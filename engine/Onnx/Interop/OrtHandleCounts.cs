namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>The ONNX Runtime objects our wrappers create and must dispose; one live counter each.</summary>
internal enum OrtHandleKind
{
    SessionOptions,
    Session,
    Value,
    IoBinding,
    RunOptions,
}

/// <summary>
/// Live ORT objects per kind: +1 when one of our wrappers creates one (a managed-API object or, for the shim, a native
/// one), -1 when it is disposed. Tests assert that a loop of failures leaves the counts where they started
/// (STYLE.md §4.6). Objects that live for the process (the OrtEnv, custom-op domains) are not counted.
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
