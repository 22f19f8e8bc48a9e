namespace VLOrleans.Engine.Generation.Kv;

/// <summary>
/// A token sequence as the KV cache sees it: ids plus, for each <c>&lt;|image_pad|&gt;</c> position, a tag
/// naming the image whose embedding fills it (0 for text). Two sequences share KV exactly as far as both
/// ids and tags agree — the same pad token over a different photo is a different token.
/// </summary>
public sealed class PromptTokens
{
    public PromptTokens(int[] ids, ulong[]? tags = null)
    {
        if (tags is not null && tags.Length != ids.Length) throw new ArgumentException("one tag per token", nameof(tags));
        Ids = ids;
        Tags = tags ?? new ulong[ids.Length];
    }

    public static PromptTokens Empty { get; } = new([]);

    public int[] Ids { get; }

    public ulong[] Tags { get; }

    public int Count => Ids.Length;

    /// <summary>How many leading tokens <paramref name="a"/> and <paramref name="b"/> have in common.</summary>
    public static int CommonPrefixLength(PromptTokens a, PromptTokens b)
    {
        var n = Math.Min(a.Count, b.Count);
        var ids = a.Ids.AsSpan(0, n).CommonPrefixLength(b.Ids.AsSpan(0, n));
        return a.Tags.AsSpan(0, ids).CommonPrefixLength(b.Tags.AsSpan(0, ids));
    }

    /// <summary>This sequence followed by <paramref name="ids"/> (text tokens, e.g. generated ones).</summary>
    public PromptTokens Append(ReadOnlySpan<int> ids)
    {
        var newIds = new int[Count + ids.Length];
        Ids.CopyTo(newIds, 0);
        ids.CopyTo(newIds.AsSpan(Count));
        var newTags = new ulong[newIds.Length];
        Tags.CopyTo(newTags, 0);
        return new PromptTokens(newIds, newTags);
    }
}
