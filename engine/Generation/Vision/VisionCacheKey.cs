namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// Identifies an encoding: the hash of the decoded RGB pixels, the preprocessing that turned them into
/// patches (e.g. "qwen3-vl:864x1312"), and the model whose vision tower encoded them. The same photo sent
/// again by another session or a stateless API call maps to the same key.
/// </summary>
public readonly record struct VisionCacheKey(string PixelHash, string Preprocessing, string ModelId);
