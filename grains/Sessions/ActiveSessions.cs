namespace VLOrleans.Grains.Sessions;

/// <summary>
/// How many session grains are active on this silo: each activation counts itself in at <c>OnActivateAsync</c> and
/// out at <c>OnDeactivateAsync</c>. Only a number for the status page and <c>vlo_sessions_active</c>; Orleans owns the
/// activations themselves. Thread-safe (activations of different grains run in parallel).
/// </summary>
public sealed class ActiveSessions
{
    private int _count;

    public int ActiveCount => Volatile.Read(ref _count);

    internal void Activated() => Interlocked.Increment(ref _count);

    internal void Deactivated() => Interlocked.Decrement(ref _count);
}
