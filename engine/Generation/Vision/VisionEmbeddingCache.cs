namespace VLOrleans.Engine.Generation.Vision;

/// <summary>
/// Image embeddings by <see cref="VisionCacheKey"/>, least-recently-used out when the byte budget is
/// exceeded. Concurrent requests for the same missing key share one encoding (the second awaits the first),
/// so an image is never encoded twice while cached or in flight. Thread-safe.
/// </summary>
public sealed class VisionEmbeddingCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<VisionCacheKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = new(); // most recent first
    private readonly Dictionary<VisionCacheKey, Task<VisionEmbeddings>> _inFlight = [];
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _evictions;

    public VisionEmbeddingCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    public long CapacityBytes { get; }

    public VisionCacheStatistics Statistics
    {
        get
        {
            lock (_gate) return new VisionCacheStatistics(_entries.Count, _bytes, CapacityBytes, _hits, _misses, _evictions);
        }
    }

    public bool TryGet(VisionCacheKey key, out VisionEmbeddings embeddings)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                Touch(node);
                _hits++;
                embeddings = node.Value.Embeddings;
                return true;
            }
        }
        embeddings = null!;
        return false;
    }

    /// <summary>
    /// Returns the cached embeddings, or runs <paramref name="encode"/> once for all concurrent callers of the
    /// same key and caches its result. A failed or cancelled encoding is not cached; later callers retry.
    /// </summary>
    /// <returns>The embeddings and whether they came from the cache (or another caller's in-flight encoding).</returns>
    public async Task<(VisionEmbeddings Embeddings, bool WasCached)> GetOrEncodeAsync(VisionCacheKey key, Func<Task<VisionEmbeddings>> encode)
    {
        Task<VisionEmbeddings> task;
        bool owner;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                Touch(node);
                _hits++;
                return (node.Value.Embeddings, true);
            }
            if (_inFlight.TryGetValue(key, out var pending))
            {
                _hits++;
                task = pending;
                owner = false;
            }
            else
            {
                _misses++;
                task = encode();
                _inFlight[key] = task;
                owner = true;
            }
        }
        if (!owner) return (await task.ConfigureAwait(false), true);
        try
        {
            var embeddings = await task.ConfigureAwait(false);
            lock (_gate) Insert(key, embeddings);
            return (embeddings, false);
        }
        finally
        {
            lock (_gate) _inFlight.Remove(key);
        }
    }

    private void Insert(VisionCacheKey key, VisionEmbeddings embeddings)
    {
        if (_entries.ContainsKey(key)) return;
        // An item larger than the whole budget is returned to its caller but never cached.
        if (embeddings.ByteSize > CapacityBytes) return;
        var node = _recency.AddFirst(new Entry(key, embeddings));
        _entries[key] = node;
        _bytes += embeddings.ByteSize;
        while (_bytes > CapacityBytes && _recency.Last is { } last)
        {
            _recency.RemoveLast();
            _entries.Remove(last.Value.Key);
            _bytes -= last.Value.Embeddings.ByteSize;
            _evictions++;
        }
    }

    private void Touch(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _recency.AddFirst(node);
    }

    private sealed record Entry(VisionCacheKey Key, VisionEmbeddings Embeddings);
}

/// <summary>A snapshot of the cache's counters, for /metrics and the status endpoint.</summary>
public readonly record struct VisionCacheStatistics(int Count, long Bytes, long CapacityBytes, long Hits, long Misses, long Evictions);
