using System.Collections.Concurrent;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// What the engine learned about each image it prepared, by pixel hash: its facts, grid and vision-cache key. With it a
/// caller that knows only an image's id (the pixel hash — e.g. a session grain reactivated from the store) gets the
/// prepared image back from the vision cache without reading, decoding and hashing the bytes again. An entry is
/// useful only while the cache holds its embeddings: lookups drop stale entries, and the index forgets everything
/// stale when it grows past <see cref="MaxEntries"/> (a few hundred bytes each). Thread-safe.
/// </summary>
internal sealed class PreparedImageIndex
{
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<string, (ImageFacts Facts, GridThw Grid, VisionCacheKey Key)> _entries = new(StringComparer.Ordinal);

    public void Remember(ImageFacts facts, GridThw grid, VisionCacheKey key, VisionEmbeddingCache cache)
    {
        _entries[facts.ContentHash] = (facts, grid, key);
        if (_entries.Count <= MaxEntries) return;
        foreach (var (hash, entry) in _entries)
            if (!cache.TryGet(entry.Key, out _)) _entries.TryRemove(hash, out _);
    }

    public bool TryGet(string contentHash, VisionEmbeddingCache cache, out PreparedImage? image)
    {
        image = null;
        if (!_entries.TryGetValue(contentHash, out var entry)) return false;
        if (!cache.TryGet(entry.Key, out var embeddings))
        {
            _entries.TryRemove(contentHash, out _);
            return false;
        }
        image = new PreparedImage(entry.Facts, entry.Grid, embeddings, WasCached: true);
        return true;
    }
}
