namespace VLOrleans.Engine.Onnx.CustomOps;

/// <summary>
/// A graph operator whose kernel is written in C#: ONNX Runtime runs it like its own ops, on the CPU, inside a session
/// whose options list its <see cref="OnnxCustomOpDomain"/>. Fixed input and output element types; shapes are read at
/// run time. <see cref="Compute"/> may be called from several sessions' threads at once, so an op keeps no per-run
/// state in fields.
/// </summary>
public abstract class OnnxCustomOp
{
    /// <summary>The node's op_type.</summary>
    public abstract string Name { get; }

    public abstract IReadOnlyList<OnnxElementType> InputTypes { get; }

    public abstract IReadOnlyList<OnnxElementType> OutputTypes { get; }

    /// <summary>Runs the node. An exception fails the Run with its message (as an <see cref="OnnxRuntimeException"/>).</summary>
    public abstract void Compute(OnnxKernelContext context);
}
