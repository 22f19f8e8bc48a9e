using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VLOrleans.Engine.Onnx.Interop;

namespace VLOrleans.Engine.Onnx.CustomOps;

/// <summary>
/// A set of <see cref="OnnxCustomOp"/>s under one ONNX domain name (an <c>OrtCustomOpDomain</c>), for sessions whose
/// <see cref="OnnxSessionOptions.CustomOpDomains"/> list it. Lives for the whole process: ORT requires the domain and
/// each op's <c>OrtCustomOp</c> table to outlive every session created with them, so neither is ever freed.
/// </summary>
public sealed unsafe class OnnxCustomOpDomain
{
    /// <summary>OrtCustomOp.version: the table is read up to CreateKernelV2/KernelComputeV2 (API 16), whose error
    /// statuses carry a kernel's exception message back to the caller.</summary>
    private const uint TableVersion = 16;

    public OnnxCustomOpDomain(string name, params IReadOnlyList<OnnxCustomOp> ops)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        nint domain;
        fixed (byte* n = OnnxSessionOptions.Utf8Z(name)) OrtStatus.Check(OrtApi.CreateCustomOpDomain(n, &domain));
        Pointer = domain;
        foreach (var op in ops) OrtStatus.Check(OrtApi.CustomOpDomain_Add(domain, NativeOp.Create(op)));
    }

    public string Name { get; }

    internal nint Pointer { get; }

    /// <summary>Lists this domain in <paramref name="options"/> through the shim (the managed API registers only custom-op
    /// libraries from files): AddCustomOpDomain on the options' native handle, in the same loaded library.</summary>
    internal void AddTo(Microsoft.ML.OnnxRuntime.SessionOptions options)
    {
        var added = false;
        options.DangerousAddRef(ref added);
        try
        {
            OrtStatus.Check(OrtApi.AddCustomOpDomain(options.DangerousGetHandle(), Pointer));
        }
        finally
        {
            if (added) options.DangerousRelease();
        }
    }

    /// <summary>struct OrtCustomOp (onnxruntime_c_api.h), fields in declaration order, followed by our GCHandle to the
    /// managed op so every callback finds it from the op pointer ORT passes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct NativeOp
    {
        public uint Version;
        public delegate* unmanaged[Cdecl]<NativeOp*, nint, nint, void*> CreateKernel; // v1: left null, ORT calls CreateKernelV2
        public delegate* unmanaged[Cdecl]<NativeOp*, byte*> GetName;
        public delegate* unmanaged[Cdecl]<NativeOp*, byte*> GetExecutionProviderType;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint, int> GetInputType;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint> GetInputTypeCount;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint, int> GetOutputType;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint> GetOutputTypeCount;
        public delegate* unmanaged[Cdecl]<void*, nint, void> KernelCompute; // v1: left null, ORT calls KernelComputeV2
        public delegate* unmanaged[Cdecl]<void*, void> KernelDestroy;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint, int> GetInputCharacteristic;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint, int> GetOutputCharacteristic;
        public delegate* unmanaged[Cdecl]<NativeOp*, nuint, int> GetInputMemoryType;
        public delegate* unmanaged[Cdecl]<NativeOp*, int> GetVariadicInputMinArity;
        public delegate* unmanaged[Cdecl]<NativeOp*, int> GetVariadicInputHomogeneity;
        public delegate* unmanaged[Cdecl]<NativeOp*, int> GetVariadicOutputMinArity;
        public delegate* unmanaged[Cdecl]<NativeOp*, int> GetVariadicOutputHomogeneity;
        public delegate* unmanaged[Cdecl]<NativeOp*, nint, nint, void**, nint> CreateKernelV2;
        public delegate* unmanaged[Cdecl]<void*, nint, nint> KernelComputeV2;
        // Our own fields after the table (ORT reads no further than the version allows).
        public nint Op;
        public byte* Name;
        public byte* Provider;

        public static NativeOp* Create(OnnxCustomOp op)
        {
            var native = (NativeOp*)NativeMemory.AllocZeroed((nuint)sizeof(NativeOp));
            native->Version = TableVersion;
            native->GetName = &GetNameOf;
            native->GetExecutionProviderType = &GetProvider;
            native->GetInputType = &InputType;
            native->GetInputTypeCount = &InputCount;
            native->GetOutputType = &OutputType;
            native->GetOutputTypeCount = &OutputCount;
            native->KernelDestroy = &Destroy;
            native->GetInputCharacteristic = &Required;
            native->GetOutputCharacteristic = &Required;
            native->GetInputMemoryType = &DefaultMemory;
            native->GetVariadicInputMinArity = &One;
            native->GetVariadicInputHomogeneity = &One;
            native->GetVariadicOutputMinArity = &One;
            native->GetVariadicOutputHomogeneity = &One;
            native->CreateKernelV2 = &CreateKernel2;
            native->KernelComputeV2 = &Compute2;
            native->Op = GCHandle.ToIntPtr(GCHandle.Alloc(op));
            native->Name = Utf8(op.Name);
            native->Provider = Utf8("CPUExecutionProvider");
            return native;
        }

        private static byte* Utf8(string s)
        {
            var bytes = OnnxSessionOptions.Utf8Z(s);
            var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
            bytes.CopyTo(new Span<byte>(p, bytes.Length));
            return p;
        }

        private static OnnxCustomOp Of(NativeOp* op) => (OnnxCustomOp)GCHandle.FromIntPtr(op->Op).Target!;

        private static OnnxCustomOp OfKernel(void* kernel) => (OnnxCustomOp)GCHandle.FromIntPtr((nint)kernel).Target!;

        // The kernel "instance" ORT keeps per node is the op's GCHandle itself: ops hold no per-node state.
        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static nint CreateKernel2(NativeOp* op, nint api, nint info, void** kernel)
        {
            *kernel = (void*)op->Op;
            return 0;
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static byte* GetNameOf(NativeOp* op) => op->Name;

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static byte* GetProvider(NativeOp* op) => op->Provider;

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static int InputType(NativeOp* op, nuint index) => (int)Of(op).InputTypes[(int)index];

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static nuint InputCount(NativeOp* op) => (nuint)Of(op).InputTypes.Count;

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static int OutputType(NativeOp* op, nuint index) => (int)Of(op).OutputTypes[(int)index];

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static nuint OutputCount(NativeOp* op) => (nuint)Of(op).OutputTypes.Count;

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static nint Compute2(void* kernel, nint context)
        {
            try
            {
                OfKernel(kernel).Compute(new OnnxKernelContext(context));
                return 0;
            }
            catch (Exception e)
            {
                var op = OfKernel(kernel);
                fixed (byte* message = OnnxSessionOptions.Utf8Z($"{op.Name}: {e.Message}")) return OrtApi.CreateStatus(1 /*ORT_FAIL*/, message);
            }
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void Destroy(void* kernel)
        {
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static int Required(NativeOp* op, nuint index) => 0; // INPUT_OUTPUT_REQUIRED

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static int DefaultMemory(NativeOp* op, nuint index) => 0; // OrtMemTypeDefault

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static int One(NativeOp* op) => 1;
    }
}
