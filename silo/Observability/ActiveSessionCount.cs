namespace VLOrleans.Silo.Observability;

/// <summary>
/// How many chat sessions this node holds in memory now, for the <c>vlo_sessions_active</c> gauge and the status
/// report's <c>sessions_active</c>. One small source so what counts a session (today the session directory) can be
/// swapped in one place (<see cref="MetricsRegistration.AddVloMetrics"/>) without touching its readers.
/// </summary>
public sealed class ActiveSessionCount(Func<int> read)
{
    public int Read() => read();
}
