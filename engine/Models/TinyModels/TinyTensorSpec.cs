namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>How a random tensor is initialised.</summary>
public enum TinyInit
{
    /// <summary>Zero-mean noise with the preset's weight std (matrices, embeddings, biases).</summary>
    Weight,

    /// <summary>1 plus a little noise (norm scales): a norm weight read with the wrong layout or not at all then changes the output.</summary>
    NormScale,
}

/// <summary>One tensor of a generated checkpoint: its Hugging Face name, shape and initialisation.</summary>
public sealed record TinyTensorSpec(string Name, long[] Shape, TinyInit Init)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
