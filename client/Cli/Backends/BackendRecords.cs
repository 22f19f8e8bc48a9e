namespace VLOrleans.Cli.Backends;

/// <summary>Per-question generation settings; null = the model's (or server's) default. <paramref name="Schema"/>: a JSON
/// Schema the answer must match (constrained decoding), null = free text.</summary>
internal sealed record AnswerSettings(int? MaxTokens, float? Temperature, float? TopP, int? TopK, ulong? Seed, bool IgnoreEos = false,
    System.Text.Json.JsonElement? Schema = null);

/// <summary>A box (or a point) an answer names, in pixels of the original upright image <see cref="ImageId"/>.</summary>
internal sealed record AnswerBox(string ImageId, bool IsPoint, string? Label, double X1, double Y1, double X2, double Y2);

/// <summary>What became of an added image.</summary>
internal sealed record ImageSummary(string Id, string Format, int Width, int Height, int ImageTokens, string Origin);

/// <summary>One answer's figures, from the server's stored turn or the engine's completion.</summary>
internal sealed record TurnSummary(string Text, string FinishReason, int PromptTokens, int CachedPromptTokens, int CompletionTokens,
    double TimeToFirstTokenMs, double TokensPerSecond, IReadOnlyList<AnswerBox>? Boxes = null)
{
    public string Describe(int turnNumber) =>
        $"turn {turnNumber}: TTFT {TimeToFirstTokenMs:F0} ms, {CompletionTokens} tokens at {TokensPerSecond:F1} tokens/s, prompt {PromptTokens} tokens " +
        $"({CachedPromptTokens} from resident KV), finish {FinishReason}";
}

/// <summary>An expected failure of a command (bad image, refused request, unknown session) with a stable code
/// (the server's problem code or the engine's reason code), reported per image or as a clean exit, never a crash.</summary>
internal sealed class VlCommandException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
