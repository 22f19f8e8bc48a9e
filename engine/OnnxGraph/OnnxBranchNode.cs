namespace VLOrleans.Engine.OnnxGraph;

/// <summary>The single node of an <c>If</c> branch (<see cref="OnnxModelBuilder.AddIf"/>); its inputs name values of
/// the enclosing graph, its outputs are named by the If.</summary>
public sealed record OnnxBranchNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<OnnxAttribute> Attributes, string Domain = "");
