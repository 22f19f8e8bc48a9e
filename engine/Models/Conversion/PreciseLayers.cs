namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// Which linear layers a quantised variant keeps in <see cref="ConversionOptions.PreciseFormat"/>. Layers are named by
/// the graph builders (<c>lm_head</c>, <c>layers.{i}.q_proj</c>, <c>visual.blocks.{i}.attn.qkv</c>,
/// <c>visual.merger.linear_fc1</c>, <c>visual.deepstack_merger_list.{j}.linear_fc2</c>, …); an entry matches every layer
/// whose name starts with it.
/// </summary>
public static class PreciseLayers
{
    /// <summary>Short names for the groups the issue names: the vision merger(s), the DeepStack mergers, the patch embedding.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["merger"] = "visual.merger.",
        ["deepstack"] = "visual.deepstack_merger_list.",
        ["patch_embed"] = "visual.patch_embed",
        ["lm_head"] = "lm_head",
    };

    /// <summary>
    /// w8a8: the LM head (its argmax decides every token; 151936 logits from one per-tensor activation scale) and the
    /// mergers (their output is the image's only path into the text model, and they are small: 4 × 25M weights for 2B,
    /// ~2% of the vision FLOPs). Measured on the 2b preset (docs/PERFORMANCE.md). Other formats: nothing extra.
    /// </summary>
    public static IReadOnlyList<string> DefaultFor(WeightFormat weights) =>
        weights == WeightFormat.W8A8 ? ["lm_head", "merger", "deepstack"] : [];

    public static IReadOnlyList<string> Expand(IReadOnlyList<string> entries) =>
        [.. entries.Select(e => Aliases.TryGetValue(e.Trim(), out var prefix) ? prefix : e.Trim())];

    public static bool Matches(IReadOnlyList<string> prefixes, string layerName)
    {
        foreach (var prefix in prefixes)
        {
            if (layerName.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
