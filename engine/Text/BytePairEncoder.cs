using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace VLOrleans.Engine.Text;

/// <summary>
/// Byte-level BPE over one pre-tokenizer piece: UTF-8 bytes → one symbol per byte → apply merges lowest rank
/// first (leftmost on ties) → vocab ids. Merges are keyed on (left id, right id) pairs so the loop never builds
/// strings. Results are cached per piece text: a prompt repeats the same words, and a cache hit costs one
/// dictionary lookup with no allocation (span lookup). Thread-safe; the cache is cleared when it passes
/// <see cref="MaxCacheEntries"/> so hostile input cannot grow it without bound.
/// </summary>
internal sealed class BytePairEncoder
{
    /// <summary>50,000 pieces × ~40 bytes each ≈ a few MB at most.</summary>
    private const int MaxCacheEntries = 50_000;

    /// <summary>Pieces of up to this many bytes use the quadratic scan (no heap); longer ones the priority queue.</summary>
    private const int SimpleMergeLimit = 48;

    private readonly int[] _byteToId;                     // initial symbol for each byte
    private readonly MergeRankTable _mergeRank;           // (left, right) → rank
    private readonly int[] _mergeResult;                  // rank → merged id
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    public BytePairEncoder(int[] byteToId, MergeRankTable mergeRank, int[] mergeResult)
    {
        _byteToId = byteToId;
        _mergeRank = mergeRank;
        _mergeResult = mergeResult;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public void ClearCache()
    {
        _cache.Clear();
        Volatile.Write(ref _cacheCount, 0);
    }



    /// <summary>Appends the ids of <paramref name="piece"/> to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> piece, List<int> output)
    {
        if (_cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(piece);
        byte[]? rentedBytes = null;
        var bytes = byteCount <= 256 ? stackalloc byte[byteCount] : (rentedBytes = ArrayPool<byte>.Shared.Rent(byteCount)).AsSpan(0, byteCount);
        Encoding.UTF8.GetBytes(piece, bytes);

        int[]? rentedSymbols = null;
        var symbols = byteCount <= 256 ? stackalloc int[byteCount] : (rentedSymbols = ArrayPool<int>.Shared.Rent(byteCount)).AsSpan(0, byteCount);
        for (var i = 0; i < byteCount; i++) symbols[i] = _byteToId[bytes[i]];

        var count = byteCount <= SimpleMergeLimit ? MergeByScan(symbols) : MergeByQueue(symbols);
        var result = symbols[..count].ToArray();

        if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
        if (rentedSymbols is not null) ArrayPool<int>.Shared.Return(rentedSymbols);

        // An approximate count of our own: ConcurrentDictionary.Count takes every lock (up to 1,024) per call.
        if (_cacheCount >= MaxCacheEntries) ClearCache();
        if (_cacheLookup.TryAdd(piece, result)) Interlocked.Increment(ref _cacheCount);
        output.AddRange(result);
    }

    /// <summary>O(n²) in the piece length; fastest for the short pieces that make up almost all text.</summary>
    private int MergeByScan(Span<int> symbols)
    {
        var count = symbols.Length;
        while (count > 1)
        {
            var bestRank = int.MaxValue;
            var bestAt = -1;
            for (var i = 0; i < count - 1; i++)
            {
                if (_mergeRank.TryGetRank(symbols[i], symbols[i + 1], out var rank) && rank < bestRank)
                {
                    bestRank = rank;
                    bestAt = i;
                }
            }
            if (bestAt < 0) break;
            // Merge every non-overlapping occurrence of the best pair, left to right: the same result as merging
            // them one at a time, since equal-rank pairs are taken leftmost first and nothing of lower rank appears.
            var merged = _mergeResult[bestRank];
            var left = symbols[bestAt];
            var right = symbols[bestAt + 1];
            var write = bestAt;
            for (var read = bestAt; read < count; read++)
            {
                if (read < count - 1 && symbols[read] == left && symbols[read + 1] == right)
                {
                    symbols[write++] = merged;
                    read++;
                }
                else
                {
                    symbols[write++] = symbols[read];
                }
            }
            count = write;
        }
        return count;
    }

    /// <summary>
    /// O(n log n): a doubly linked list of symbols and a priority queue of candidate merges ordered by
    /// (rank, position). Stale entries (a side already merged away) are skipped when popped. Used for long
    /// pieces (a 100 KB run of letters must not take n² = 10¹⁰ steps).
    /// </summary>
    private int MergeByQueue(Span<int> symbols)
    {
        var n = symbols.Length;
        var ids = symbols;
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }

        // priority = rank << 32 | position: one long compare orders by rank, then leftmost
        var queue = new PriorityQueue<int, long>();
        for (var i = 0; i < n - 1; i++)
            if (_mergeRank.TryGetRank(ids[i], ids[i + 1], out var rank)) queue.Enqueue(i, ((long)rank << 32) | (uint)i);

        while (queue.TryDequeue(out var pos, out var priority))
        {
            if (!alive[pos]) continue;
            var right = next[pos];
            if (right < 0) continue;
            if (!_mergeRank.TryGetRank(ids[pos], ids[right], out var rank) || rank != (int)(priority >> 32)) continue;

            ids[pos] = _mergeResult[rank];
            alive[right] = false;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;

            if (prev[pos] >= 0 && _mergeRank.TryGetRank(ids[prev[pos]], ids[pos], out var leftRank))
                queue.Enqueue(prev[pos], ((long)leftRank << 32) | (uint)prev[pos]);
            if (next[pos] >= 0 && _mergeRank.TryGetRank(ids[pos], ids[next[pos]], out var rightRank))
                queue.Enqueue(pos, ((long)rightRank << 32) | (uint)pos);
        }

        var count = 0;
        for (var i = 0; i >= 0; i = next[i]) ids[count++] = ids[i];
        return count;
    }
}
