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
    private readonly Dictionary<VisionCacheKey, Flight> _inFlight = [];
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

    /// <summary>As <see cref="GetOrEncodeAsync(VisionCacheKey, Func{CancellationToken, Task{VisionEmbeddings}}, CancellationToken)"/>
    /// for an encoding that cannot be cancelled.</summary>
    public Task<(VisionEmbeddings Embeddings, bool WasCached)> GetOrEncodeAsync(VisionCacheKey key, Func<Task<VisionEmbeddings>> encode) =>
        GetOrEncodeAsync(key, _ => encode(), CancellationToken.None);

    /// <summary>
    /// Returns the cached embeddings, or runs <paramref name="encode"/> once for all concurrent callers of the
    /// same key and caches its result. A failed or cancelled encoding is not cached; later callers retry.
    /// </summary>
    /// <remarks>
    /// The shared encoding belongs to no caller: it gets its own token, which is cancelled only when every caller
    /// waiting for it has cancelled. So one client disconnecting never fails the others waiting for the same image,
    /// and an image nobody wants any more stops encoding. <paramref name="cancellationToken"/> ends only this wait.
    /// </remarks>
    /// <returns>The embeddings and whether they came from the cache (or another caller's in-flight encoding).</returns>
    public async Task<(VisionEmbeddings Embeddings, bool WasCached)> GetOrEncodeAsync(VisionCacheKey key,
        Func<CancellationToken, Task<VisionEmbeddings>> encode, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Flight flight;
        bool owner;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                Touch(node);
                _hits++;
                return (node.Value.Embeddings, true);
            }
            owner = !_inFlight.TryGetValue(key, out flight!);
            if (owner)
            {
                _misses++;
                flight = new Flight();
                _inFlight[key] = flight;
            }
            else
            {
                _hits++;
            }
            flight.WaiterCount++;
        }
        if (owner) _ = RunAsync(key, flight, encode);
        try
        {
            return (await flight.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false), !owner);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Leave(key, flight);
            throw;
        }
    }

    /// <summary>Runs the shared encoding and settles it for every waiter; the result is cached whoever still waits.</summary>
    private async Task RunAsync(VisionCacheKey key, Flight flight, Func<CancellationToken, Task<VisionEmbeddings>> encode)
    {
        try
        {
            var embeddings = await encode(flight.Cancellation.Token).ConfigureAwait(false);
            lock (_gate)
            {
                Land(key, flight);
                Insert(key, embeddings);
            }
            flight.Result.TrySetResult(embeddings);
        }
        catch (OperationCanceledException) when (flight.Cancellation.IsCancellationRequested)
        {
            lock (_gate) Land(key, flight);
            flight.Result.TrySetCanceled(flight.Cancellation.Token);
        }
        catch (Exception e)
        {
            lock (_gate) Land(key, flight);
            flight.Result.TrySetException(e);
        }
    }

    /// <summary>Under the gate: the flight is over, so a later caller starts a new one (or finds the cached result).</summary>
    private void Land(VisionCacheKey key, Flight flight)
    {
        if (_inFlight.TryGetValue(key, out var current) && current == flight) _inFlight.Remove(key);
    }

    /// <summary>A waiter gave up; the last one to leave cancels the encoding.</summary>
    private void Leave(VisionCacheKey key, Flight flight)
    {
        lock (_gate)
        {
            if (--flight.WaiterCount > 0 || flight.Result.Task.IsCompleted) return;
            Land(key, flight);
        }
        flight.Cancellation.Cancel();
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

    /// <summary>One in-flight encoding shared by its waiters. Its token source is never disposed: it has no timer,
    /// and disposing it could race with the last waiter's cancel.</summary>
    private sealed class Flight
    {
        public TaskCompletionSource<VisionEmbeddings> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>Callers still waiting; guarded by the cache's gate.</summary>
        public int WaiterCount { get; set; }
    }
}

/// <summary>A snapshot of the cache's counters, for /metrics and the status endpoint.</summary>
public readonly record struct VisionCacheStatistics(int Count, long Bytes, long CapacityBytes, long Hits, long Misses, long Evictions);
