using System.Text.Json.Serialization;

namespace VLOrleans.Cli.Batch;

/// <summary>One output row: the answer about one image, or why there is none (<see cref="ErrorCode"/> is the server's
/// problem code or the engine's reason code, e.g. <c>corrupt</c>; <c>unreadable</c> when the file could not be read).</summary>
internal sealed record BatchRow
{
    /// <summary>The column order of CSV output (JSONL uses the same names).</summary>
    public static readonly string[] Columns = ["file", "ok", "answer", "error_code", "error", "width", "height", "prompt_tokens", "completion_tokens", "seconds"];

    [JsonPropertyName("file")] public required string File { get; init; }
    [JsonPropertyName("ok")] public bool Ok => ErrorCode is null;
    /// <summary>The answer's text (CSV writes it as it is, JSON included).</summary>
    [JsonIgnore] public string? Answer { get; init; }

    /// <summary>With <c>--schema</c>: the answer parsed (JSONL writes this object as <c>answer</c>).</summary>
    [JsonIgnore] public System.Text.Json.JsonElement? Parsed { get; init; }

    /// <summary>JSONL's <c>answer</c>: the parsed object with a schema, else the text.</summary>
    [JsonPropertyName("answer")] public object? AnswerValue => Parsed is { } parsed ? parsed : Answer;
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("width")] public int? Width { get; init; }
    [JsonPropertyName("height")] public int? Height { get; init; }
    [JsonPropertyName("prompt_tokens")] public int? PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int? CompletionTokens { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }

    public string?[] CsvFields() =>
    [
        File, Ok ? "true" : "false", Answer, ErrorCode, Error, Width?.ToString(Inv), Height?.ToString(Inv),
        PromptTokens?.ToString(Inv), CompletionTokens?.ToString(Inv), Seconds.ToString("F3", Inv),
    ];

    private static System.Globalization.CultureInfo Inv => System.Globalization.CultureInfo.InvariantCulture;
}
