using System.Runtime.CompilerServices;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>
/// The custom-op shim: one thin wrapper per ORT C function the managed API does not offer for custom ops, called through the <c>OrtApi</c> function-pointer table
/// (layer 2 of STYLE.md §4.1: pointers stop here). C names and C parameter order; comments give the C types.
/// Functions returning <c>OrtStatus*</c> return it raw as nint; callers pass it to <see cref="OrtStatus.Check"/>.
/// On Linux ORT_API_CALL is the platform default convention (cdecl/SysV) and ORTCHAR_T is UTF-8 char.
/// </summary>
internal static unsafe class OrtApi
{
    private static void* Fn(int index) => OrtLibrary.ApiTable[index];

    public static int GetErrorCode(nint /*const OrtStatus*/ status) =>
        ((delegate* unmanaged[Cdecl]<nint, int>)Fn(OrtApiIndex.GetErrorCode))(status);

    public static byte* GetErrorMessage(nint /*const OrtStatus*/ status) =>
        ((delegate* unmanaged[Cdecl]<nint, byte*>)Fn(OrtApiIndex.GetErrorMessage))(status);

    public static void ReleaseStatus(nint status) =>
        ((delegate* unmanaged[Cdecl]<nint, void>)Fn(OrtApiIndex.ReleaseStatus))(status);

    /// <summary>A status for returning an error from a callback ORT calls (custom op compute); ORT frees it.</summary>
    public static nint CreateStatus(int /*OrtErrorCode*/ code, byte* message) =>
        ((delegate* unmanaged[Cdecl]<int, byte*, nint>)Fn(OrtApiIndex.CreateStatus))(code, message);

    public static nint CreateCustomOpDomain(byte* domain, nint* /*OrtCustomOpDomain**/ result) =>
        ((delegate* unmanaged[Cdecl]<byte*, nint*, nint>)Fn(OrtApiIndex.CreateCustomOpDomain))(domain, result);

    /// <summary><paramref name="op"/> (a struct OrtCustomOp) must stay valid as long as the domain is used.</summary>
    public static nint CustomOpDomain_Add(nint domain, void* op) =>
        ((delegate* unmanaged[Cdecl]<nint, void*, nint>)Fn(OrtApiIndex.CustomOpDomain_Add))(domain, op);

    public static nint AddCustomOpDomain(nint options, nint domain) =>
        ((delegate* unmanaged[Cdecl]<nint, nint, nint>)Fn(OrtApiIndex.AddCustomOpDomain))(options, domain);

    /// <summary>The value is owned by ORT (do not release); null for an absent optional input.</summary>
    public static nint KernelContext_GetInput(nint context, nuint index, nint* value) => CallIndexOut(OrtApiIndex.KernelContext_GetInput, context, index, value);

    /// <summary>The output of the given shape: ORT allocates it, or hands back the caller's pre-allocated output.</summary>
    public static nint KernelContext_GetOutput(nint context, nuint index, long* dims, nuint dimCount, nint* value) =>
        ((delegate* unmanaged[Cdecl]<nint, nuint, long*, nuint, nint*, nint>)Fn(OrtApiIndex.KernelContext_GetOutput))(context, index, dims, dimCount, value);

    /// <summary>Runs fn(userData, i) for i in 0..total−1 on the session's intra-op threads (the caller's included).</summary>
    public static nint KernelContext_ParallelFor(nint context, delegate* unmanaged[Cdecl]<void*, nuint, void> fn, nuint total, nuint batches, void* userData) =>
        ((delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<void*, nuint, void>, nuint, nuint, void*, nint>)Fn(OrtApiIndex.KernelContext_ParallelFor))(
            context, fn, total, batches, userData);

    public static nint GetTensorElementType(nint info, int* type) =>
        ((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtApiIndex.GetTensorElementType))(info, type);

    public static nint GetDimensionsCount(nint info, nuint* count) => CallCount(OrtApiIndex.GetDimensionsCount, info, count);

    public static nint GetDimensions(nint info, long* dims, nuint count) =>
        ((delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)Fn(OrtApiIndex.GetDimensions))(info, dims, count);

    public static void ReleaseTensorTypeAndShapeInfo(nint info) => Release(OrtApiIndex.ReleaseTensorTypeAndShapeInfo, info);

    public static nint GetTensorMutableData(nint value, void** data) =>
        ((delegate* unmanaged[Cdecl]<nint, void**, nint>)Fn(OrtApiIndex.GetTensorMutableData))(value, data);

    public static nint GetTensorTypeAndShape(nint value, nint* /*OrtTensorTypeAndShapeInfo**/ info) =>
        ((delegate* unmanaged[Cdecl]<nint, nint*, nint>)Fn(OrtApiIndex.GetTensorTypeAndShape))(value, info);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Release(int index, nint p) => ((delegate* unmanaged[Cdecl]<nint, void>)Fn(index))(p);

    private static nint CallCount(int index, nint p, nuint* count) => ((delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Fn(index))(p, count);

    private static nint CallIndexOut(int index, nint p, nuint i, nint* result) => ((delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Fn(index))(p, i, result);
}
