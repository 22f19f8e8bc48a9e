namespace VLOrleans.Cli.Soak;

/// <summary>One soak run's settings, after defaults.</summary>
public sealed record SoakPlan
{
    public int Turns { get; init; } = 1000;

    /// <summary>Concurrent workers, one session each.</summary>
    public int Sessions { get; init; } = 16;

    public double MalformedShare { get; init; } = 0.10;

    public double DisconnectShare { get; init; } = 0.20;

    public int MaxTokens { get; init; } = 8;

    public int Seed { get; init; } = 22;

    public string? ApiKey { get; init; }

    /// <summary>The server's request-body limit: oversize bodies are one byte over it.</summary>
    public long MaxRequestBytes { get; init; } = 32L << 20;

    /// <summary>The turn after which the server's resident memory is the baseline for the growth check: 200, or a
    /// third of a shorter run (so a short run still compares a settled server with its end).</summary>
    public int BaselineTurns => Math.Min(200, Math.Max(1, Turns / 3));

    /// <summary>Turns in each window whose peak resident memory is compared: the one from <see cref="BaselineTurns"/> on,
    /// and the last one (at least 10 turns, a tenth of the run).</summary>
    public int RssWindowTurns => Math.Max(10, Turns / 10);

    /// <summary>Allowed growth of resident memory from the baseline to the end.</summary>
    public double MaxRssGrowth { get; init; } = 0.05;

    /// <summary>No turn may take longer (a hang fails the soak instead of stalling it).</summary>
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
