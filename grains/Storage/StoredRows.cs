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

    public const string InsertTurnSql =
        "INSERT INTO turns (session_id, idx, role, text, image_ids, details, created_at) VALUES (@session, @idx, @role, @text, @images, @details, @created)";

    /// <summary>Inserts a key; 0 rows when the owner has it already (the primary key decides between concurrent retries).</summary>
    public const string InsertKeySql =
        "INSERT INTO idempotency_keys (owner, key, fingerprint, session_id, turn_index, created_at) VALUES (@owner, @key, @fingerprint, @session, @turn, @created) " +
        "ON CONFLICT (owner, key) DO NOTHING";

    public const string SelectKeySql = "SELECT fingerprint, session_id, turn_index FROM idempotency_keys WHERE owner = @owner AND key = @key";

    /// <summary>An owner's sessions newest first (ties by id, descending); with a cursor, those strictly after it in that order.</summary>
    public static string ListSessionsSql(bool hasCursor) =>
        "SELECT id, created_at FROM sessions WHERE owner = @owner " +
        (hasCursor ? "AND (created_at < @created OR (created_at = @created AND id < @id)) " : "") +
        "ORDER BY created_at DESC, id DESC LIMIT @limit";

    /// <summary>The parameters of <see cref="ListSessionsSql"/>: the cursor's only when there is one (PostgreSQL cannot type an unused null).</summary>
    public static (string Name, object? Value)[] ListParameters(string owner, int limit, SessionCursor? after) =>
        after is null
            ? [("@owner", owner), ("@limit", limit)]
            : [("@owner", owner), ("@limit", limit), ("@created", after.CreatedAtMs), ("@id", after.Id)];

    public static (string Name, object? Value)[] TurnParameters(string sessionId, TurnView turn) =>
    [
        ("@session", sessionId), ("@idx", turn.Index), ("@role", turn.Role), ("@text", turn.Text),
        ("@images", ImageIdsJson(turn)), ("@details", DetailsJson(turn)), ("@created", turn.CreatedAt.ToUnixTimeMilliseconds()),
    ];

    public static (string Name, object? Value)[] KeyParameters(StoredIdempotencyKey key) =>
    [
        ("@owner", key.Owner), ("@key", key.Key), ("@fingerprint", key.Fingerprint), ("@session", key.SessionId), ("@turn", key.TurnIndex),
        ("@created", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
    ];

    /// <summary>The key at the reader's current row (columns as <see cref="SelectKeySql"/>).</summary>
    public static StoredIdempotencyKey ReadKey(DbDataReader reader, string owner, string key) =>
        new(owner, key, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The assistant-only fields as one JSON column; null for a user turn, which has none.</summary>
    public static string? DetailsJson(TurnView turn) =>
        turn.Usage is null && turn.Timings is null && turn.FinishReason is null && turn.Boxes is null
            ? null
            : JsonSerializer.Serialize(new TurnDetails(turn.FinishReason, turn.Usage, turn.Timings, turn.Boxes), Json);

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
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), details?.FinishReason, details?.Usage, details?.Timings, details?.Boxes);
    }

    /// <summary>The JSON column of an assistant turn: why it ended, tokens and times, and the boxes its answer names
    /// (absent in rows written before boxes existed: read as null).</summary>
    private sealed record TurnDetails(string? FinishReason, UsageView? Usage, TimingsView? Timings, IReadOnlyList<BoxView>? Boxes = null);
}
