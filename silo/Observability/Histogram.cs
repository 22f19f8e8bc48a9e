namespace VLOrleans.Silo.Observability;

/// <summary>
/// A Prometheus histogram with fixed upper bounds: per-bucket counts, total count and sum. Observations take a
/// short lock (a few per request; nothing on the token path), so a scrape always sees a consistent snapshot.
/// </summary>
public sealed class Histogram(params double[] upperBounds)
{
    private readonly Lock _gate = new();
    private readonly double[] _bounds = upperBounds;
    private readonly long[] _counts = new long[upperBounds.Length];
    private long _count;
    private double _sum;

    public void Observe(double value)
    {
        lock (_gate)
        {
            for (var i = 0; i < _bounds.Length; i++)
            {
                if (value <= _bounds[i]) _counts[i]++;
            }
            _count++;
            _sum += value;
        }
    }

    /// <summary>Cumulative counts per bound (Prometheus' <c>le</c> buckets), then count and sum.</summary>
    public (IReadOnlyList<(double UpperBound, long Count)> Buckets, long Count, double Sum) Snapshot()
    {
        lock (_gate) return (_bounds.Zip(_counts).ToArray(), _count, _sum);
    }
}
