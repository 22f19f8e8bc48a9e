using Npgsql;

namespace VLOrleans.Grains.Storage;

/// <summary>
/// The PostgreSQL session tables, as an ordered list of migrations the store applies at startup. The database records
/// what it has in <c>schema_version</c> (one row per applied migration); each pending migration runs in a transaction
/// of its own with its row, so it is applied exactly once, or not at all. Nodes starting together serialise on a
/// session advisory lock (released by PostgreSQL if the node dies mid-way). A shipped migration is never edited:
/// a change is a new entry at the end.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>One migration: its version (1, 2, … in order) and its statements.</summary>
    internal sealed record Migration(int Version, string Description, IReadOnlyList<string> Statements);

    /// <summary>
    /// The <see cref="SessionSchema"/> tables with BYTEA for BLOB, plus <c>seq</c> on links: SQLite orders a session's
    /// images by their millisecond upload time, which ties within a millisecond; a sequence gives the exact order.
    /// </summary>
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "sessions, turns, content-addressed images, session-image links",
        [
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at BIGINT NOT NULL)",
            "CREATE TABLE turns (session_id TEXT NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, " +
                "image_ids TEXT NOT NULL, details TEXT, created_at BIGINT NOT NULL, PRIMARY KEY (session_id, idx))",
            "CREATE TABLE images (id TEXT PRIMARY KEY, bytes BYTEA NOT NULL, facts TEXT NOT NULL, created_at BIGINT NOT NULL)",
            "CREATE SEQUENCE session_images_seq",
            "CREATE TABLE session_images (session_id TEXT NOT NULL, image_id TEXT NOT NULL, file_name TEXT, " +
                "next_turn_index INTEGER NOT NULL, added_at BIGINT NOT NULL, seq BIGINT NOT NULL DEFAULT nextval('session_images_seq'), " +
                "PRIMARY KEY (session_id, image_id))",
            "CREATE INDEX session_images_by_image ON session_images (image_id)",
        ]),
        new(2, "owner listing index, Idempotency-Keys", SessionSchemaAdditions.Statements("")),
    ];

    /// <summary>The advisory lock every node takes to migrate: one arbitrary constant (the bytes "VLOsess1").</summary>
    private const long MigrationLockKey = 0x564C4F7365737331;

    /// <summary>
    /// Brings the database to the last of <paramref name="migrations"/>. Refuses a database that a newer build has
    /// migrated further: this build would not know what the extra migrations changed.
    /// </summary>
    /// <returns>The versions this call applied (empty when another node, or an earlier start, already had).</returns>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource dataSource, IReadOnlyList<Migration> migrations,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("@key", MigrationLockKey)).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                cancellationToken).ConfigureAwait(false);
            int current;
            await using (var select = Command(connection, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version"))
                current = Convert.ToInt32(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
            var latest = migrations.Count == 0 ? 0 : migrations[^1].Version;
            if (current > latest)
                throw new InvalidOperationException(
                    $"The session database is at schema version {current}, newer than this build's {latest}: run a build at least as new.");
            var applied = new List<int>();
            foreach (var migration in migrations.Where(m => m.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                foreach (var statement in migration.Statements)
                    await ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO schema_version (version, description, applied_at) VALUES (@version, @description, @at)", cancellationToken,
                    ("@version", migration.Version), ("@description", migration.Description), ("@at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
                    .ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                applied.Add(migration.Version);
            }
            return applied;
        }
        finally
        {
            // A broken connection has lost the lock with its session already; only a live one needs the unlock.
            if (connection.FullState == System.Data.ConnectionState.Open)
                await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("@key", MigrationLockKey))
                    .ConfigureAwait(false);
        }
    }

    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
