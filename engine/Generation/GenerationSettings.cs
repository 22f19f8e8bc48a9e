using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Generation.Sampling;

namespace VLOrleans.Engine.Generation;

/// <summary>What a caller may choose per question.</summary>
public sealed record GenerationSettings
{
    public int MaxTokens { get; init; } = 512;

    /// <summary>Null = the model's generation_config defaults.</summary>
    public SamplingParameters? Sampling { get; init; }

    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Generate exactly MaxTokens (benchmarks).</summary>
    public bool IgnoreEos { get; init; }

    public bool Logprobs { get; init; }

    public int TopLogprobs { get; init; }

    /// <summary>What the output must be (JSON matching a schema, a forced tool call); null = free text.</summary>
    public OutputConstraint? Output { get; init; }
}
