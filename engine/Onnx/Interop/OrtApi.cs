using System.Runtime.CompilerServices;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>
/// One thin wrapper per ORT C function we use, called through the <c>OrtApi</c> function-pointer table
/// (layer 2 of STYLE.md §4.1: pointers stop here). C names and C parameter order; comments give the C types.
/// Functions returning <c>OrtStatus*</c> return it raw as nint; callers pass it to <see cref="OrtStatus.Check"/>.
/// On Linux ORT_API_CALL is the platform default convention (cdecl/SysV) and ORTCHAR_T is UTF-8 char.
/// </summary>
internal static unsafe class OrtApi
{
    private static void* Fn(int index) => OrtLibrary.ApiTable[index];

    // ---- OrtStatus
    public static int GetErrorCode(nint /*const OrtStatus*/ status) =>
        ((delegate* unmanaged[Cdecl]<nint, int>)Fn(OrtApiIndex.GetErrorCode))(status);

    public static byte* GetErrorMessage(nint /*const OrtStatus*/ status) =>
        ((delegate* unmanaged[Cdecl]<nint, byte*>)Fn(OrtApiIndex.GetErrorMessage))(status);

    public static void ReleaseStatus(nint status) =>
        ((delegate* unmanaged[Cdecl]<nint, void>)Fn(OrtApiIndex.ReleaseStatus))(status);

    /// <summary>A status for returning an error from a callback ORT calls (custom op compute); ORT frees it.</summary>
    public static nint CreateStatus(int /*OrtErrorCode*/ code, byte* message) =>
        ((delegate* unmanaged[Cdecl]<int, byte*, nint>)Fn(OrtApiIndex.CreateStatus))(code, message);

    // ---- OrtEnv
    public static nint CreateEnv(int /*OrtLoggingLevel*/ level, byte* logid, nint* /*OrtEnv**/ env) =>
        ((delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)Fn(OrtApiIndex.CreateEnv))(level, logid, env);

    public static void ReleaseEnv(nint env) => Release(OrtApiIndex.ReleaseEnv, env);

    // ---- OrtSessionOptions
    public static nint CreateSessionOptions(nint* /*OrtSessionOptions**/ options) =>
        ((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtApiIndex.CreateSessionOptions))(options);

    /// <summary>profile_file_prefix is an ORTCHAR_T string: char (UTF-8) on Linux; ORT writes
    /// "{prefix}_{date}.json" (Chrome trace format) when the session is released.</summary>
    public static nint EnableProfiling(nint options, byte* profileFilePrefix) =>
        ((delegate* unmanaged[Cdecl]<nint, byte*, nint>)Fn(OrtApiIndex.EnableProfiling))(options, profileFilePrefix);

    public static nint SetSessionLogSeverityLevel(nint options, int level) => CallInt(OrtApiIndex.SetSessionLogSeverityLevel, options, level);

    public static nint SetSessionGraphOptimizationLevel(nint options, int /*GraphOptimizationLevel*/ level) =>
        CallInt(OrtApiIndex.SetSessionGraphOptimizationLevel, options, level);

    public static nint SetIntraOpNumThreads(nint options, int count) => CallInt(OrtApiIndex.SetIntraOpNumThreads, options, count);

    public static nint SetInterOpNumThreads(nint options, int count) => CallInt(OrtApiIndex.SetInterOpNumThreads, options, count);

    public static nint AddSessionConfigEntry(nint options, byte* key, byte* value) =>
        ((delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)Fn(OrtApiIndex.AddSessionConfigEntry))(options, key, value);

    public static void ReleaseSessionOptions(nint options) => Release(OrtApiIndex.ReleaseSessionOptions, options);

    // ---- CUDA execution provider (V2 options object, ORT >= 1.11)
    public static nint CreateCUDAProviderOptions(nint* /*OrtCUDAProviderOptionsV2**/ options) =>
        ((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtApiIndex.CreateCUDAProviderOptions))(options);

    public static nint UpdateCUDAProviderOptions(nint cudaOptions, byte** keys, byte** values, nuint count) =>
        ((delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)Fn(OrtApiIndex.UpdateCUDAProviderOptions))(cudaOptions, keys, values, count);

    public static nint SessionOptionsAppendExecutionProvider_CUDA_V2(nint options, nint cudaOptions) =>
        ((delegate* unmanaged[Cdecl]<nint, nint, nint>)Fn(OrtApiIndex.SessionOptionsAppendExecutionProvider_CUDA_V2))(options, cudaOptions);

    public static void ReleaseCUDAProviderOptions(nint cudaOptions) => Release(OrtApiIndex.ReleaseCUDAProviderOptions, cudaOptions);

    // ---- Custom ops (OrtCustomOpDomain, OrtKernelContext)
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

    // ---- OrtSession
    public static nint CreateSession(nint env, byte* modelPath, nint options, nint* /*OrtSession**/ session) =>
        ((delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)Fn(OrtApiIndex.CreateSession))(env, modelPath, options, session);

    public static nint CreateSessionFromArray(nint env, void* modelData, nuint length, nint options, nint* session) =>
        ((delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)Fn(OrtApiIndex.CreateSessionFromArray))(env, modelData, length, options, session);

    public static nint Run(nint session, nint /*const OrtRunOptions*, may be null*/ runOptions,
        byte** inputNames, nint* /*const OrtValue* const**/ inputs, nuint inputCount,
        byte** outputNames, nuint outputCount, nint* /*OrtValue**/ outputs) =>
        ((delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)Fn(OrtApiIndex.Run))(
            session, runOptions, inputNames, inputs, inputCount, outputNames, outputCount, outputs);

    public static nint SessionGetInputCount(nint session, nuint* count) => CallCount(OrtApiIndex.SessionGetInputCount, session, count);

    public static nint SessionGetOutputCount(nint session, nuint* count) => CallCount(OrtApiIndex.SessionGetOutputCount, session, count);

    public static nint SessionGetInputTypeInfo(nint session, nuint index, nint* /*OrtTypeInfo**/ typeInfo) =>
        CallIndexOut(OrtApiIndex.SessionGetInputTypeInfo, session, index, typeInfo);

    public static nint SessionGetOutputTypeInfo(nint session, nuint index, nint* typeInfo) =>
        CallIndexOut(OrtApiIndex.SessionGetOutputTypeInfo, session, index, typeInfo);

    /// <summary>The name is allocated with <paramref name="allocator"/>; free it with <see cref="AllocatorFree"/>.</summary>
    public static nint SessionGetInputName(nint session, nuint index, nint allocator, byte** name) =>
        ((delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Fn(OrtApiIndex.SessionGetInputName))(session, index, allocator, name);

    public static nint SessionGetOutputName(nint session, nuint index, nint allocator, byte** name) =>
        ((delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Fn(OrtApiIndex.SessionGetOutputName))(session, index, allocator, name);

    public static void ReleaseSession(nint session) => Release(OrtApiIndex.ReleaseSession, session);

    // ---- OrtTypeInfo / OrtTensorTypeAndShapeInfo
    /// <summary><paramref name="tensorInfo"/> is owned by <paramref name="typeInfo"/> (do not release); null for non-tensors.</summary>
    public static nint CastTypeInfoToTensorInfo(nint typeInfo, nint* tensorInfo) =>
        ((delegate* unmanaged[Cdecl]<nint, nint*, nint>)Fn(OrtApiIndex.CastTypeInfoToTensorInfo))(typeInfo, tensorInfo);

    public static nint GetOnnxTypeFromTypeInfo(nint typeInfo, int* /*ONNXType*/ type) =>
        ((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtApiIndex.GetOnnxTypeFromTypeInfo))(typeInfo, type);

    public static nint GetTensorElementType(nint info, int* type) =>
        ((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtApiIndex.GetTensorElementType))(info, type);

    public static nint GetDimensionsCount(nint info, nuint* count) => CallCount(OrtApiIndex.GetDimensionsCount, info, count);

    public static nint GetDimensions(nint info, long* dims, nuint count) =>
        ((delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)Fn(OrtApiIndex.GetDimensions))(info, dims, count);

    /// <summary>The strings are owned by <paramref name="info"/>; "" for dimensions without a name.</summary>
    public static nint GetSymbolicDimensions(nint info, byte** names, nuint count) =>
        ((delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)Fn(OrtApiIndex.GetSymbolicDimensions))(info, names, count);

    public static void ReleaseTypeInfo(nint typeInfo) => Release(OrtApiIndex.ReleaseTypeInfo, typeInfo);

    public static void ReleaseTensorTypeAndShapeInfo(nint info) => Release(OrtApiIndex.ReleaseTensorTypeAndShapeInfo, info);

    // ---- OrtValue
    public static nint CreateTensorAsOrtValue(nint allocator, long* shape, nuint rank, int type, nint* value) =>
        ((delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint>)Fn(OrtApiIndex.CreateTensorAsOrtValue))(allocator, shape, rank, type, value);

    /// <summary><paramref name="data"/> stays owned by the caller and must outlive the value.</summary>
    public static nint CreateTensorWithDataAsOrtValue(nint memoryInfo, void* data, nuint byteLength, long* shape, nuint rank, int type, nint* value) =>
        ((delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)Fn(OrtApiIndex.CreateTensorWithDataAsOrtValue))(
            memoryInfo, data, byteLength, shape, rank, type, value);

    public static nint IsTensor(nint value, int* isTensor) =>
        ((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtApiIndex.IsTensor))(value, isTensor);

    public static nint GetTensorMutableData(nint value, void** data) =>
        ((delegate* unmanaged[Cdecl]<nint, void**, nint>)Fn(OrtApiIndex.GetTensorMutableData))(value, data);

    public static nint GetTensorTypeAndShape(nint value, nint* /*OrtTensorTypeAndShapeInfo**/ info) =>
        ((delegate* unmanaged[Cdecl]<nint, nint*, nint>)Fn(OrtApiIndex.GetTensorTypeAndShape))(value, info);

    public static void ReleaseValue(nint value) => Release(OrtApiIndex.ReleaseValue, value);

    // ---- OrtMemoryInfo / OrtAllocator
    public static nint CreateCpuMemoryInfo(int /*OrtAllocatorType*/ type, int /*OrtMemType*/ memType, nint* info) =>
        ((delegate* unmanaged[Cdecl]<int, int, nint*, nint>)Fn(OrtApiIndex.CreateCpuMemoryInfo))(type, memType, info);

    public static void ReleaseMemoryInfo(nint info) => Release(OrtApiIndex.ReleaseMemoryInfo, info);

    /// <summary>The default CPU allocator; process-wide, never freed.</summary>
    public static nint GetAllocatorWithDefaultOptions(nint* allocator) =>
        ((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtApiIndex.GetAllocatorWithDefaultOptions))(allocator);

    public static nint AllocatorFree(nint allocator, void* p) =>
        ((delegate* unmanaged[Cdecl]<nint, void*, nint>)Fn(OrtApiIndex.AllocatorFree))(allocator, p);

    // ---- Misc
    /// <summary>The array and strings are ORT's; free with <see cref="ReleaseAvailableProviders"/>.</summary>
    public static nint GetAvailableProviders(byte*** providers, int* count) =>
        ((delegate* unmanaged[Cdecl]<byte***, int*, nint>)Fn(OrtApiIndex.GetAvailableProviders))(providers, count);

    public static nint ReleaseAvailableProviders(byte** providers, int count) =>
        ((delegate* unmanaged[Cdecl]<byte**, int, nint>)Fn(OrtApiIndex.ReleaseAvailableProviders))(providers, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Release(int index, nint p) => ((delegate* unmanaged[Cdecl]<nint, void>)Fn(index))(p);

    private static nint CallInt(int index, nint p, int value) => ((delegate* unmanaged[Cdecl]<nint, int, nint>)Fn(index))(p, value);

    private static nint CallCount(int index, nint p, nuint* count) => ((delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Fn(index))(p, count);

    private static nint CallIndexOut(int index, nint p, nuint i, nint* result) => ((delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Fn(index))(p, i, result);
}
