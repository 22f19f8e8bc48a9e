using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>The one place an <c>OrtStatus*</c> becomes an exception (STYLE.md §4.3).</summary>
internal static unsafe class OrtStatus
{
    /// <summary>Null status is success; anything else is read (code + message), released, and thrown.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(nint status)
    {
        if (status != 0) Throw(status);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(nint status)
    {
        OnnxErrorCode code;
        string message;
        try
        {
            code = (OnnxErrorCode)OrtApi.GetErrorCode(status);
            message = Marshal.PtrToStringUTF8((nint)OrtApi.GetErrorMessage(status)) ?? "";
        }
        finally
        {
            OrtApi.ReleaseStatus(status);
        }
        throw new OnnxRuntimeException(code, message);
    }
}
