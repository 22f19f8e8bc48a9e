using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;

namespace VLOrleans.Grains.Inference;

/// <summary>The wire's sampling fields as the engine's overrides: one mapping for the grain that answers and the
/// endpoint that checks a request before sending it.</summary>
public static class CompletionSamplingOverrides
{
    public static SamplingOverrides ToOverrides(this CompletionSampling s) =>
        new(s.Temperature, s.TopP, s.TopK, s.Seed, s.MinP, s.RepetitionPenalty, s.PresencePenalty, s.FrequencyPenalty);
}
