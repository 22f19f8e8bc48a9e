using System.Data.Common;
using System.Text.Json;
using VLOrleans.Contracts;

namespace VLOrleans.Grains.Storage;

/// <summary>
/// How a turn and an image's facts are written into, and read back from, the stores' columns — one encoding for the
/// SQLite and the PostgreSQL store, so a session moved between them (or read by either) means the same. Turns are
/// selected as <c>idx, role, text, image_ids, details, created_at</c>.
/// </summary>
internal static class StoredRows
{
    public const string TurnColumns = "idx, role, text, image_ids, details, created_at";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The assistant-only fields as one JSON column; null for a user turn, which has none.</summary>
    public static string? DetailsJson(TurnView turn) =>
        turn.Usage is null && turn.Timings is null && turn.FinishReason is null
            ? null
            : JsonSerializer.Serialize(new TurnDetails(turn.FinishReason, turn.Usage, turn.Timings), Json);

    public static string ImageIdsJson(TurnView turn) => JsonSerializer.Serialize(turn.ImageIds, Json);

    /// <summary>An image's facts without the session's file name (that lives on the session's link).</summary>
    public static string FactsJson(ImageView facts) => JsonSerializer.Serialize(facts with { FileName = null }, Json);

    public static ImageView ReadFacts(string json) =>
        JsonSerializer.Deserialize<ImageView>(json, Json) ?? throw new InvalidDataException("image facts are null");

    /// <summary>The turn at the reader's current row (columns as <see cref="TurnColumns"/>).</summary>
    public static TurnView ReadTurn(DbDataReader reader)
    {
        var imageIds = JsonSerializer.Deserialize<string[]>(reader.GetString(3), Json) ?? [];
        var details = reader.IsDBNull(4) ? null : JsonSerializer.Deserialize<TurnDetails>(reader.GetString(4), Json);
        return new TurnView(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), imageIds,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), details?.FinishReason, details?.Usage, details?.Timings);
    }

    /// <summary>The JSON column of an assistant turn: why it ended, tokens and times.</summary>
    private sealed record TurnDetails(string? FinishReason, UsageView? Usage, TimingsView? Timings);
}
