namespace VLOrleans.Engine.Tests.Reference;

/// <summary>One sequence's past keys (after q/k norm and RoPE) and values, per layer: [position][kv_heads·head_dim].</summary>
public sealed class ReferenceKvCache
{
    public ReferenceKvCache(int layerCount)
    {
        Keys = Enumerable.Range(0, layerCount).Select(_ => new List<double[]>()).ToArray();
        Values = Enumerable.Range(0, layerCount).Select(_ => new List<double[]>()).ToArray();
    }

    public List<double[]>[] Keys { get; }

    public List<double[]>[] Values { get; }

    /// <summary>Tokens held (the same for every layer between forwards).</summary>
    public int Length => Keys[0].Count;
}
