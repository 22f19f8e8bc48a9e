namespace VLOrleans.Engine.Text;

/// <summary>
/// (left id, right id) → merge rank, as an open-addressing hash table (linear probing, load ≤ 0.5). Why not
/// <c>Dictionary&lt;long, int&gt;</c>: long's hash is low ^ high = left ^ right, and the early, most-used merges
/// pair small ids (below 1,024), so thousands of keys shared a handful of buckets; encoding a 200 KB word took
/// 1.4 s. A multiplicative (Fibonacci) hash spreads them. Immutable after construction; thread-safe reads.
/// </summary>
internal sealed class MergeRankTable
{
    private const long Empty = -1;
    private readonly long[] _keys;
    private readonly int[] _ranks;
    private readonly int _shift;

    public MergeRankTable(int capacityHint)
    {
        var bits = 4;
        while ((1 << bits) < capacityHint * 2) bits++;
        _keys = new long[1 << bits];
        _ranks = new int[1 << bits];
        Array.Fill(_keys, Empty);
        _shift = 64 - bits;
    }

    public static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Adds the pair unless present (a repeated merge keeps its first, lowest rank).</summary>
    public void TryAdd(int left, int right, int rank)
    {
        var key = Key(left, right);
        var mask = _keys.Length - 1;
        for (var i = Slot(key); ; i = (i + 1) & mask)
        {
            if (_keys[i] == key) return;
            if (_keys[i] == Empty)
            {
                _keys[i] = key;
                _ranks[i] = rank;
                return;
            }
        }
    }

    public bool TryGetRank(int left, int right, out int rank)
    {
        var key = Key(left, right);
        var mask = _keys.Length - 1;
        for (var i = Slot(key); ; i = (i + 1) & mask)
        {
            var k = _keys[i];
            if (k == key)
            {
                rank = _ranks[i];
                return true;
            }
            if (k == Empty)
            {
                rank = 0;
                return false;
            }
        }
    }

    private int Slot(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> _shift);
}
