using Npgsql;
using VLOrleans.Contracts;

namespace VLOrleans.Grains.Storage;

/// <summary>
/// The cluster's session store: PostgreSQL through one Npgsql data source (its pool is shared by every call), with
/// the schema brought up to date at open (<see cref="PostgresSchema"/>). Same contract and statements as
/// <see cref="SqliteSessionStore"/>, every value a parameter. An outage surfaces as
/// <see cref="StoreUnavailableException"/>, never as a driver exception; the pool is cleared then, and a call that
/// meets a connection that died idle retries once on a fresh one, so the first call after the database returns
/// succeeds. Every write is one transaction. Thread-safe.
/// </summary>
public sealed class PostgresSessionStore : ISessionStore
{

    /// <summary>PostgreSQL error codes that mean "not reachable now" rather than "this statement is wrong": connection
    /// exceptions (class 08), administrator/crash shutdown, still starting up, out of connections.</summary>
    private static readonly HashSet<string> OutageStates = ["57P01", "57P02", "57P03", "53300"];

    private readonly NpgsqlDataSource _dataSource;

    private PostgresSessionStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects to <paramref name="connectionString"/> and migrates the schema (in its search path).</summary>
    /// <exception cref="StoreUnavailableException">The database cannot be reached.</exception>
    public static Task<PostgresSessionStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default) =>
        OpenAsync(connectionString, PostgresSchema.Migrations, cancellationToken);

    /// <summary>Opens with an explicit migration list (tests add migrations to check that each runs once).</summary>
    internal static async Task<PostgresSessionStore> OpenAsync(string connectionString, IReadOnlyList<PostgresSchema.Migration> migrations,
        CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresSessionStore(dataSource);
        try
        {
            await store.Guard(() => PostgresSchema.MigrateAsync(dataSource, migrations, cancellationToken)).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    Task ISessionStore.CreateSessionAsync(StoredSession session, CancellationToken cancellationToken) =>
        WithConnection(async (connection, attempt) =>
        {
            // An explicit transaction (as every write here) so that only the commit can leave the outcome unknown.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = PostgresSchema.Command(connection, transaction, "INSERT INTO sessions (id, owner, created_at) VALUES (@id, @owner, @created)",
                ("@id", session.Id), ("@owner", session.Owner), ("@created", session.CreatedAt.ToUnixTimeMilliseconds())))
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await attempt.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    Task<StoredSession?> ISessionStore.GetSessionAsync(string sessionId, CancellationToken cancellationToken) =>
        WithConnection(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null, "SELECT owner, created_at FROM sessions WHERE id = @id", ("@id", sessionId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            return new StoredSession(sessionId, reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        }, cancellationToken);

    Task ISessionStore.DeleteSessionAsync(string sessionId, CancellationToken cancellationToken) =>
        WithConnection(async (connection, attempt) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var imageIds = new List<string>();
            await using (var unlink = PostgresSchema.Command(connection, transaction,
                "DELETE FROM session_images WHERE session_id = @id RETURNING image_id", ("@id", sessionId)))
            await using (var reader = await unlink.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) imageIds.Add(reader.GetString(0));
            foreach (var sql in new[] { "DELETE FROM turns WHERE session_id = @id", "DELETE FROM idempotency_keys WHERE session_id = @id", "DELETE FROM sessions WHERE id = @id" })
            {
                await using var delete = PostgresSchema.Command(connection, transaction, sql, ("@id", sessionId));
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (imageIds.Count > 0)
            {
                // Lock the images first (AddImage locks its row too), then look for other links in a statement of its
                // own: at read committed it sees every link committed while we waited, so an image another session
                // linked a moment ago is kept.
                await using (var lockRows = PostgresSchema.Command(connection, transaction,
                    "SELECT id FROM images WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", ("@ids", imageIds.ToArray())))
                    await lockRows.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await using var collect = PostgresSchema.Command(connection, transaction,
                    "DELETE FROM images i WHERE i.id = ANY(@ids) AND NOT EXISTS (SELECT 1 FROM session_images l WHERE l.image_id = i.id)",
                    ("@ids", imageIds.ToArray()));
                await collect.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await attempt.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    Task<IReadOnlyList<TurnView>> ISessionStore.GetTurnsAsync(string sessionId, CancellationToken cancellationToken) =>
        WithConnection<IReadOnlyList<TurnView>>(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null,
                $"SELECT {StoredRows.TurnColumns} FROM turns WHERE session_id = @id ORDER BY idx", ("@id", sessionId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var turns = new List<TurnView>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                turns.Add(StoredRows.ReadTurn(reader));
            }
            return turns;
        }, cancellationToken);

    Task ISessionStore.AppendTurnsAsync(string sessionId, IReadOnlyList<TurnView> turns, CancellationToken cancellationToken) =>
        WithConnection(async (connection, attempt) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await InsertTurnsAsync(connection, transaction, sessionId, turns, cancellationToken).ConfigureAwait(false);
            await attempt.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    Task<bool> ISessionStore.AppendTurnsOnceAsync(string sessionId, IReadOnlyList<TurnView> turns, StoredIdempotencyKey key, CancellationToken cancellationToken) =>
        WithConnection(async (connection, attempt) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // The key first: a concurrent insert of the same key waits for this transaction, then inserts nothing.
            if (!await TryInsertKeyAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false)) return false;
            await InsertTurnsAsync(connection, transaction, sessionId, turns, cancellationToken).ConfigureAwait(false);
            await attempt.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    Task<bool> ISessionStore.CreateSessionOnceAsync(StoredSession session, StoredIdempotencyKey key, CancellationToken cancellationToken) =>
        WithConnection(async (connection, attempt) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (!await TryInsertKeyAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false)) return false;
            await using (var command = PostgresSchema.Command(connection, transaction, "INSERT INTO sessions (id, owner, created_at) VALUES (@id, @owner, @created)",
                ("@id", session.Id), ("@owner", session.Owner), ("@created", session.CreatedAt.ToUnixTimeMilliseconds())))
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await attempt.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    Task<StoredIdempotencyKey?> ISessionStore.GetIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken) =>
        WithConnection(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null, StoredRows.SelectKeySql, ("@owner", owner), ("@key", key));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? StoredRows.ReadKey(reader, owner, key) : null;
        }, cancellationToken);

    Task<IReadOnlyList<StoredSession>> ISessionStore.ListSessionsAsync(string owner, int limit, SessionCursor? after, CancellationToken cancellationToken) =>
        WithConnection<IReadOnlyList<StoredSession>>(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null, StoredRows.ListSessionsSql(after is not null),
                StoredRows.ListParameters(owner, limit, after));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var sessions = new List<StoredSession>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                sessions.Add(new StoredSession(reader.GetString(0), owner, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
            return sessions;
        }, cancellationToken);

    private static async Task InsertTurnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sessionId, IReadOnlyList<TurnView> turns,
        CancellationToken cancellationToken)
    {
        foreach (var turn in turns)
        {
            await using var insert = PostgresSchema.Command(connection, transaction, StoredRows.InsertTurnSql, StoredRows.TurnParameters(sessionId, turn));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> TryInsertKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StoredIdempotencyKey key, CancellationToken cancellationToken)
    {
        await using var insert = PostgresSchema.Command(connection, transaction, StoredRows.InsertKeySql, StoredRows.KeyParameters(key));
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    Task ISessionStore.AddImageAsync(string sessionId, StoredImage image, string? fileName, int nextTurnIndex, CancellationToken cancellationToken) =>
        WithConnection(async (connection, attempt) =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // DO UPDATE (a no-op) rather than DO NOTHING: it locks the image row, so a concurrent delete of the last
            // other link waits for this link and then keeps the bytes.
            await using (var insert = PostgresSchema.Command(connection, transaction,
                "INSERT INTO images (id, bytes, facts, created_at) VALUES (@id, @bytes, @facts, @created) ON CONFLICT (id) DO UPDATE SET id = images.id",
                ("@id", image.Id), ("@bytes", image.Bytes.ToArray()), ("@facts", StoredRows.FactsJson(image.Facts)),
                ("@created", now)))
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using (var link = PostgresSchema.Command(connection, transaction,
                "INSERT INTO session_images (session_id, image_id, file_name, next_turn_index, added_at) VALUES (@session, @image, @file, @next, @added) " +
                "ON CONFLICT (session_id, image_id) DO UPDATE SET file_name = excluded.file_name, next_turn_index = excluded.next_turn_index, " +
                "added_at = excluded.added_at, seq = nextval('session_images_seq')",
                ("@session", sessionId), ("@image", image.Id), ("@file", fileName), ("@next", nextTurnIndex), ("@added", now)))
                await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await attempt.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    Task<IReadOnlyList<StoredImageLink>> ISessionStore.GetImagesAsync(string sessionId, CancellationToken cancellationToken) =>
        WithConnection<IReadOnlyList<StoredImageLink>>(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null,
                "SELECT i.facts, l.file_name, l.next_turn_index FROM session_images l JOIN images i ON i.id = l.image_id " +
                "WHERE l.session_id = @id ORDER BY l.seq", ("@id", sessionId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var links = new List<StoredImageLink>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var facts = StoredRows.ReadFacts(reader.GetString(0));
                links.Add(new StoredImageLink(facts with { FileName = reader.IsDBNull(1) ? null : reader.GetString(1) }, reader.GetInt32(2)));
            }
            return links;
        }, cancellationToken);

    Task<byte[]?> ISessionStore.GetImageBytesAsync(string imageId, CancellationToken cancellationToken) =>
        WithConnection(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null, "SELECT bytes FROM images WHERE id = @id", ("@id", imageId));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }, cancellationToken);

    /// <summary>Number of rows in the images table (tests check content addressing: one row per distinct image).</summary>
    internal Task<long> CountImageRowsAsync() =>
        WithConnection(async (connection, _) =>
        {
            await using var command = PostgresSchema.Command(connection, null, "SELECT COUNT(*) FROM images");
            return (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }, CancellationToken.None);

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection, translating an outage. A pooled connection may have died
    /// while idle (the server restarted since it was opened): its first command fails before anything could commit.
    /// Such a failure, on a connection that opened, before any commit was sent, is retried once on a fresh connection
    /// (the pool was just cleared); a failure during a commit is not, since the commit may have happened.
    /// </summary>
    private async Task<T> WithConnection<T>(Func<NpgsqlConnection, Attempt, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var retried = false; ; retried = true)
        {
            var attempt = new Attempt();
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                attempt.IsOpened = true;
                return await work(connection, attempt).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (IsOutage(e))
            {
                _dataSource.Clear();
                if (!retried && attempt.IsOpened && !attempt.IsCommitSent) continue;
                throw Unavailable(e);
            }
        }
    }

    private async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (IsOutage(e))
        {
            _dataSource.Clear();
            throw Unavailable(e);
        }
    }

    private static StoreUnavailableException Unavailable(NpgsqlException e) => new($"The session database is unreachable: {e.Message}", e);

    /// <summary>How far one try of a call got: whether its connection opened, whether it sent its commit.</summary>
    private sealed class Attempt
    {
        public bool IsOpened { get; set; }

        public bool IsCommitSent { get; private set; }

        public Task CommitAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            IsCommitSent = true;
            return transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>A PostgresException is the server's answer: an outage only for the states above. Any other
    /// NpgsqlException is the driver failing to talk to the server at all (refused, reset, timed out).</summary>
    private static bool IsOutage(NpgsqlException e) =>
        e is not PostgresException postgres || postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || OutageStates.Contains(postgres.SqlState);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
