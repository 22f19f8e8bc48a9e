namespace VLOrleans.Client;

/// <summary>How to answer one question; unset values take the server's (model's) defaults.</summary>
public sealed record AskOptions
{
    /// <summary>Images (ids from upload) to attach; null attaches those uploaded since the previous question.</summary>
    public IReadOnlyList<string>? ImageIds { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>0 = greedy.</summary>
    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? TopK { get; init; }

    /// <summary>Same seed + same question → same answer.</summary>
    public ulong? Seed { get; init; }

    /// <summary>A JSON Schema the answer must match (the server enforces it while sampling, so the answer always
    /// parses); null = free text. The supported subset is in the server's README.</summary>
    public System.Text.Json.JsonElement? ResponseSchema { get; init; }
}
