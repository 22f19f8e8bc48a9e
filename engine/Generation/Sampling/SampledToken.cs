namespace VLOrleans.Engine.Generation.Sampling;

/// <summary>A token and its log-probability under the model's distribution (softmax of the raw logits).</summary>
public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <summary>The chosen token, its log-probability, and (when asked) the most likely alternatives.</summary>
public readonly record struct SampledToken(int TokenId, float Logprob, TokenLogprob[]? TopLogprobs);
