namespace VLOrleans.Grains.Storage;

/// <summary>
/// The session tables. Portable SQL: the PostgreSQL store uses the same statements with BYTEA for BLOB. Times are
/// Unix milliseconds (BIGINT); image ids are the SHA-256 of the decoded pixels (64 hex), so an image is stored once
/// however many sessions link it; a turn's image ids and its usage/timings are JSON text.
/// </summary>
internal static class SessionSchema
{
    public static readonly string[] CreateStatements =
    [
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS turns (session_id TEXT NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, " +
            "image_ids TEXT NOT NULL, details TEXT, created_at BIGINT NOT NULL, PRIMARY KEY (session_id, idx))",
        "CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, bytes BLOB NOT NULL, facts TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS session_images (session_id TEXT NOT NULL, image_id TEXT NOT NULL, file_name TEXT, " +
            "next_turn_index INTEGER NOT NULL, added_at BIGINT NOT NULL, PRIMARY KEY (session_id, image_id))",
        "CREATE INDEX IF NOT EXISTS session_images_by_image ON session_images (image_id)",
        .. SessionSchemaAdditions.Statements("IF NOT EXISTS "),
    ];
}

/// <summary>
/// Tables and indexes added after the first schema, shared by both stores (PostgreSQL applies them as its migration 2):
/// the owner's session listing index, and the Idempotency-Keys (primary key owner + key, so one insert decides which
/// of two concurrent retries wins; the session index deletes a session's keys with it).
/// </summary>
internal static class SessionSchemaAdditions
{
    public static string[] Statements(string ifNotExists) =>
    [
        $"CREATE INDEX {ifNotExists}sessions_by_owner ON sessions (owner, created_at, id)",
        $"CREATE TABLE {ifNotExists}idempotency_keys (owner TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, " +
            "session_id TEXT NOT NULL, turn_index INTEGER, created_at BIGINT NOT NULL, PRIMARY KEY (owner, key))",
        $"CREATE INDEX {ifNotExists}idempotency_keys_by_session ON idempotency_keys (session_id)",
    ];
}
