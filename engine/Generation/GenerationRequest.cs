using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Generation.Vision;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// One completion to compute: a fully tokenised prompt (images already expanded to their pad tokens and
/// already encoded — vision never runs inside the decode loop), its M-RoPE positions, and how to sample
/// and when to stop. Immutable.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>The session whose KV may stay resident between turns; null for a stateless request.</summary>
    public string? SessionKey { get; init; }

    /// <summary>Prompt ids with an image tag on every <c>&lt;|image_pad|&gt;</c> position.</summary>
    public required PromptTokens Prompt { get; init; }

    /// <summary>M-RoPE positions, plane-major: [T₀…T_{S−1}, H₀…, W₀…] (3·S values).</summary>
    public required long[] PositionIds { get; init; }

    /// <summary>get_rope_index's delta: a generated token at cache length L has position L + RopeDelta on every plane.</summary>
    public required long RopeDelta { get; init; }

    /// <summary>Embeddings of the prompt's images in order of appearance; their token counts add up to the pad tokens.</summary>
    public IReadOnlyList<VisionEmbeddings> Images { get; init; } = [];

    public SamplingParameters Sampling { get; init; } = SamplingParameters.Greedy;

    public int MaxTokens { get; init; } = 512;

    /// <summary>Token ids that end the answer (EOS); the stop token itself is not part of the text.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Strings that end the answer; the text up to (not including) the first match is returned.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Benchmarks fix the output length: generate exactly MaxTokens whatever the model says.</summary>
    public bool IgnoreStopTokens { get; init; }

    /// <summary>Report each token's log-probability; with <see cref="TopLogprobs"/> &gt; 0 also alternatives.</summary>
    public bool Logprobs { get; init; }

    public int TopLogprobs { get; init; }

    /// <summary>The grammar the output must match, compiled for the model's vocabulary; null (the default) costs nothing.
    /// End-of-sequence is then allowed only where the output is complete.</summary>
    public TokenConstraint? Constraint { get; init; }
}
