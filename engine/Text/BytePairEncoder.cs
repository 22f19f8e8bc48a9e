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
    private readonly Dictionary<long, int> _mergeRank;    // (left, right) → rank
    private readonly int[] _mergeResult;                  // rank → merged id
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    public BytePairEncoder(int[] byteToId, Dictionary<long, int> mergeRank, int[] mergeResult)
    {
        _byteToId = byteToId;
        _mergeRank = mergeRank;
        _mergeResult = mergeResult;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

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

        if (_cache.Count >= MaxCacheEntries) _cache.Clear();
        _cacheLookup.TryAdd(piece, result);
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
                if (_mergeRank.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out var rank) && rank < bestRank)
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

        var queue = new PriorityQueue<(int Pos, int Rank), (int Rank, int Pos)>();
        for (var i = 0; i < n - 1; i++)
            if (_mergeRank.TryGetValue(PairKey(ids[i], ids[i + 1]), out var rank)) queue.Enqueue((i, rank), (rank, i));

        while (queue.TryDequeue(out var top, out _))
        {
            var pos = top.Pos;
            if (!alive[pos]) continue;
            var right = next[pos];
            if (right < 0) continue;
            if (!_mergeRank.TryGetValue(PairKey(ids[pos], ids[right]), out var rank) || rank != top.Rank) continue;

            ids[pos] = _mergeResult[rank];
            alive[right] = false;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;

            if (prev[pos] >= 0 && _mergeRank.TryGetValue(PairKey(ids[prev[pos]], ids[pos]), out var leftRank))
                queue.Enqueue((prev[pos], leftRank), (leftRank, prev[pos]));
            if (next[pos] >= 0 && _mergeRank.TryGetValue(PairKey(ids[pos], ids[next[pos]]), out var rightRank))
                queue.Enqueue((pos, rightRank), (rightRank, pos));
        }

        var count = 0;
        for (var i = 0; i >= 0; i = next[i]) ids[count++] = ids[i];
        return count;
    }
}
