namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>
/// Positions of the functions the custom-op shim calls in ORT's <c>OrtApi</c> table (struct OrtApi in
/// include/onnxruntime/core/session/onnxruntime_c_api.h). The struct is append-only, so a position,
/// once published, never changes; every entry below exists since API version 13 (ORT 1.13) except KernelContext_ParallelFor (API 17). Counted
/// from the header and checked by calling each on ORT 1.32 (the custom-op tests reach every entry). Everything else
/// goes through the official managed API (Microsoft.ML.OnnxRuntime.Managed).
/// Names are the C names, so a grep finds them in the header.
/// </summary>
internal static class OrtApiIndex
{
    public const int CreateStatus = 0;
    public const int GetErrorCode = 1;
    public const int GetErrorMessage = 2;
    public const int CreateCustomOpDomain = 26;
    public const int CustomOpDomain_Add = 27;
    public const int AddCustomOpDomain = 28;
    public const int GetTensorMutableData = 51;
    public const int GetTensorElementType = 60;
    public const int GetDimensionsCount = 61;
    public const int GetDimensions = 62;
    public const int GetTensorTypeAndShape = 65;
    public const int KernelContext_GetInput = 90;
    public const int KernelContext_GetOutput = 91;
    public const int ReleaseStatus = 93;
    public const int ReleaseTensorTypeAndShapeInfo = 99;
    public const int KernelContext_ParallelFor = 274;
}
