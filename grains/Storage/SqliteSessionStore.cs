using Microsoft.Data.Sqlite;
using VLOrleans.Contracts;

namespace VLOrleans.Grains.Storage;

/// <summary>
/// The embedded session store: one SQLite file (e.g. <c>{DataPath}/sessions.db</c>) in WAL mode, so readers never
/// wait for the one writer. Schema created on open (<see cref="SessionSchema"/>). Every statement is parameterised
/// (<c>@name</c> placeholders, which Npgsql accepts too)
/// and uses only SQL PostgreSQL also accepts (INSERT … ON CONFLICT, no SQLite-only functions), so the PostgreSQL
/// store can share it. A connection per call: Microsoft.Data.Sqlite pools them, so opening costs microseconds.
/// </summary>
public sealed class SqliteSessionStore : ISessionStore
{
    private readonly string _connectionString;

    private SqliteSessionStore(string connectionString) => _connectionString = connectionString;

    public string FilePath { get; private init; } = "";

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    public static SqliteSessionStore Open(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var builder = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 };
        var store = new SqliteSessionStore(builder.ToString()) { FilePath = full };
        using var connection = store.Connect();
        // WAL is a property of the file (it persists), so setting it once at open covers every later connection.
        Execute(connection, null, "PRAGMA journal_mode=WAL;");
        foreach (var statement in SessionSchema.CreateStatements) Execute(connection, null, statement);
        return store;
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    Task ISessionStore.CreateSessionAsync(StoredSession session, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null, "INSERT INTO sessions (id, owner, created_at) VALUES (@id, @owner, @created)",
            ("@id", session.Id), ("@owner", session.Owner), ("@created", session.CreatedAt.ToUnixTimeMilliseconds()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    });

    Task<StoredSession?> ISessionStore.GetSessionAsync(string sessionId, CancellationToken cancellationToken) => Guard<StoredSession?>(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null, "SELECT owner, created_at FROM sessions WHERE id = @id", ("@id", sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new StoredSession(sessionId, reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
    });

    Task ISessionStore.DeleteSessionAsync(string sessionId, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = Connect();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Collect the session's images first: after the links go, those no other session links are garbage.
        var imageIds = new List<string>();
        await using (var select = Command(connection, transaction, "SELECT image_id FROM session_images WHERE session_id = @id", ("@id", sessionId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) imageIds.Add(reader.GetString(0));
        foreach (var sql in new[] { "DELETE FROM turns WHERE session_id = @id", "DELETE FROM idempotency_keys WHERE session_id = @id", "DELETE FROM session_images WHERE session_id = @id", "DELETE FROM sessions WHERE id = @id" })
        {
            await using var delete = Command(connection, transaction, sql, ("@id", sessionId));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var imageId in imageIds)
        {
            await using var collect = Command(connection, transaction,
                "DELETE FROM images WHERE id = @image AND NOT EXISTS (SELECT 1 FROM session_images WHERE image_id = @image)", ("@image", imageId));
            await collect.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    });

    Task<IReadOnlyList<TurnView>> ISessionStore.GetTurnsAsync(string sessionId, CancellationToken cancellationToken) => Guard<IReadOnlyList<TurnView>>(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null,
            $"SELECT {StoredRows.TurnColumns} FROM turns WHERE session_id = @id ORDER BY idx", ("@id", sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var turns = new List<TurnView>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            turns.Add(StoredRows.ReadTurn(reader));
        }
        return turns;
    });

    Task ISessionStore.AppendTurnsAsync(string sessionId, IReadOnlyList<TurnView> turns, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = Connect();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await InsertTurnsAsync(connection, transaction, sessionId, turns, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    });

    Task<bool> ISessionStore.AppendTurnsOnceAsync(string sessionId, IReadOnlyList<TurnView> turns, StoredIdempotencyKey key, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = Connect();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await TryInsertKeyAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false)) return false; // rolled back on dispose
        await InsertTurnsAsync(connection, transaction, sessionId, turns, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    });

    Task<bool> ISessionStore.CreateSessionOnceAsync(StoredSession session, StoredIdempotencyKey key, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = Connect();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await TryInsertKeyAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false)) return false;
        await using (var command = Command(connection, transaction, "INSERT INTO sessions (id, owner, created_at) VALUES (@id, @owner, @created)",
            ("@id", session.Id), ("@owner", session.Owner), ("@created", session.CreatedAt.ToUnixTimeMilliseconds())))
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    });

    Task<StoredIdempotencyKey?> ISessionStore.GetIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken) => Guard<StoredIdempotencyKey?>(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null, StoredRows.SelectKeySql, ("@owner", owner), ("@key", key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? StoredRows.ReadKey(reader, owner, key) : null;
    });

    Task<IReadOnlyList<StoredSession>> ISessionStore.ListSessionsAsync(string owner, int limit, SessionCursor? after, CancellationToken cancellationToken) => Guard<IReadOnlyList<StoredSession>>(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null, StoredRows.ListSessionsSql(after is not null),
            StoredRows.ListParameters(owner, limit, after));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var sessions = new List<StoredSession>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            sessions.Add(new StoredSession(reader.GetString(0), owner, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        return sessions;
    });

    private static async Task InsertTurnsAsync(SqliteConnection connection, SqliteTransaction transaction, string sessionId, IReadOnlyList<TurnView> turns,
        CancellationToken cancellationToken)
    {
        foreach (var turn in turns)
        {
            await using var insert = Command(connection, transaction, StoredRows.InsertTurnSql, StoredRows.TurnParameters(sessionId, turn));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records the key unless the owner has it already (then false: the caller rolls back).</summary>
    private static async Task<bool> TryInsertKeyAsync(SqliteConnection connection, SqliteTransaction transaction, StoredIdempotencyKey key, CancellationToken cancellationToken)
    {
        await using var insert = Command(connection, transaction, StoredRows.InsertKeySql, StoredRows.KeyParameters(key));
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    Task ISessionStore.AddImageAsync(string sessionId, StoredImage image, string? fileName, int nextTurnIndex, CancellationToken cancellationToken) => Guard(async () =>
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var connection = Connect();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = Command(connection, transaction,
            "INSERT INTO images (id, bytes, facts, created_at) VALUES (@id, @bytes, @facts, @created) ON CONFLICT (id) DO NOTHING",
            ("@id", image.Id), ("@bytes", image.Bytes.ToArray()), ("@facts", StoredRows.FactsJson(image.Facts)), ("@created", now)))
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using (var link = Command(connection, transaction,
            "INSERT INTO session_images (session_id, image_id, file_name, next_turn_index, added_at) VALUES (@session, @image, @file, @next, @added) " +
            "ON CONFLICT (session_id, image_id) DO UPDATE SET file_name = excluded.file_name, next_turn_index = excluded.next_turn_index, added_at = excluded.added_at",
            ("@session", sessionId), ("@image", image.Id), ("@file", fileName), ("@next", nextTurnIndex), ("@added", now)))
            await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    });

    Task<IReadOnlyList<StoredImageLink>> ISessionStore.GetImagesAsync(string sessionId, CancellationToken cancellationToken) => Guard<IReadOnlyList<StoredImageLink>>(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null,
            "SELECT i.facts, l.file_name, l.next_turn_index FROM session_images l JOIN images i ON i.id = l.image_id " +
            "WHERE l.session_id = @id ORDER BY l.added_at, l.image_id", ("@id", sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var links = new List<StoredImageLink>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var facts = StoredRows.ReadFacts(reader.GetString(0));
            links.Add(new StoredImageLink(facts with { FileName = reader.IsDBNull(1) ? null : reader.GetString(1) }, reader.GetInt32(2)));
        }
        return links;
    });

    Task<byte[]?> ISessionStore.GetImageBytesAsync(string imageId, CancellationToken cancellationToken) => Guard<byte[]?>(async () =>
    {
        await using var connection = Connect();
        await using var command = Command(connection, null, "SELECT bytes FROM images WHERE id = @id", ("@id", imageId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    });

    /// <summary>Number of rows in the images table (tests check content addressing: one row per distinct image).</summary>
    internal long CountImageRows()
    {
        using var connection = Connect();
        using var command = Command(connection, null, "SELECT COUNT(*) FROM images");
        return (long)command.ExecuteScalar()!;
    }

    private static async Task Guard(Func<Task> work) => await Guard(async () =>
    {
        await work().ConfigureAwait(false);
        return true;
    }).ConfigureAwait(false);

    /// <summary>Runs a store call, turning what a disk failure makes SQLite report (full, read-only, I/O error, cannot
    /// open, locked past the busy timeout) into <see cref="StoreUnavailableException"/>: the one answer callers map to
    /// 503 <c>store_unavailable</c>. SQLite rolls the failed transaction back, so what was stored before stays intact.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (SqliteException e) when (IsDiskFailure(e))
        {
            throw new StoreUnavailableException($"The session store cannot be used right now ({DiskFailure(e)}): {e.Message}", e);
        }
    }

    // Primary result codes (the low byte of an extended code): https://www.sqlite.org/rescode.html
    private const int SqlitePerm = 3, SqliteBusy = 5, SqliteLocked = 6, SqliteReadOnly = 8, SqliteIoError = 10, SqliteFull = 13, SqliteCantOpen = 14;

    private static bool IsDiskFailure(SqliteException e) =>
        (e.SqliteErrorCode & 0xFF) is SqlitePerm or SqliteBusy or SqliteLocked or SqliteReadOnly or SqliteIoError or SqliteFull or SqliteCantOpen;

    private static string DiskFailure(SqliteException e) => (e.SqliteErrorCode & 0xFF) switch
    {
        SqliteFull => "the disk is full",
        SqliteReadOnly or SqlitePerm => "the store is read-only",
        SqliteBusy or SqliteLocked => "the store is locked",
        SqliteCantOpen => "the store file cannot be opened",
        _ => "a disk I/O error",
    };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = Command(connection, transaction, sql);
        command.ExecuteNonQuery();
    }

    /// <summary>Releases pooled connections so the file can be reopened (or deleted) by another store.</summary>
    public ValueTask DisposeAsync()
    {
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
