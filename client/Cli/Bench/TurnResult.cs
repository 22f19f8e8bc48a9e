namespace VLOrleans.Cli.Bench;

/// <summary>
/// One measured turn, as the client saw it. Times are seconds from the turn's start — the start of its first image
/// upload when it brings images (the upload is where the server encodes them), else the question's POST.
/// </summary>
public sealed record TurnResult(
    int Conversation,
    int Turn,
    RequestKind Kind,
    int NewImages,
    double StartedAt,
    double TimeToFirstToken,
    double EndToEnd,
    int PromptTokens,
    int CachedPromptTokens,
    int OutputTokens,
    int VisionCacheHits,
    int VisionEncodes,
    string? Error)
{
    public bool IsFollowUp => NewImages == 0;

    public bool Succeeded => Error is null;

    /// <summary>Seconds per output token after the first (the decode rate one user sees).</summary>
    public double TimePerOutputToken => OutputTokens > 1 ? (EndToEnd - TimeToFirstToken) / (OutputTokens - 1) : double.NaN;

    public static TurnResult Failed(int conversation, int turn, RequestKind kind, int newImages, double startedAt, double elapsed, string error) =>
        new(conversation, turn, kind, newImages, startedAt, double.NaN, elapsed, 0, 0, 0, 0, 0, error);
}
