namespace VLOrleans.Grains.Sessions;

/// <summary>How session grains behave (the server fills this from <c>VLO:Sessions</c> and <c>VLO:Limits</c>).</summary>
public sealed record ChatSessionOptions
{
    /// <summary>Turns (a question with its answer) in a prompt, counting the one being asked: older turns leave the
    /// prompt, and their images leave memory unless a kept turn still uses them. 8 keeps ~7 exchanges of history.</summary>
    public int RecentTurns { get; init; } = 8;

    /// <summary>A session grain unused this long is collected by Orleans (<c>GrainCollectionOptions</c>, see
    /// <see cref="SessionSilo"/>); its state stays in the store.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest max_tokens a question may ask for (larger requests are capped to it).</summary>
    public int MaxAnswerTokens { get; init; } = 4096;

    /// <summary>max_tokens when a question does not say (capped by <see cref="MaxAnswerTokens"/>).</summary>
    public int DefaultAnswerTokens { get; init; } = 512;

    /// <summary>Hold the embeddings of the images kept turns use, so a follow-up encodes nothing. false (benchmark
    /// baselines): let go of them after every turn; the next turn re-prepares them from the stored bytes.</summary>
    public bool KeepImageEmbeddings { get; init; } = true;
}
