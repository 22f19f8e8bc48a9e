using Npgsql;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>
/// A schema of its own in the tests' PostgreSQL, so tests running at once never see each other's rows; its
/// connection string puts it first in the search path (the store's unqualified table names land there). Dropped,
/// with everything in it, on dispose.
/// </summary>
internal sealed class PostgresTestSchema : IAsyncDisposable
{
    private PostgresTestSchema(string name, string connectionString) => (Name, ConnectionString) = (name, connectionString);

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<PostgresTestSchema> CreateAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE SCHEMA {name}");
        var builder = new NpgsqlConnectionStringBuilder(TestServices.PostgresConnectionString) { SearchPath = name };
        return new PostgresTestSchema(name, builder.ConnectionString);
    }

    /// <summary>Runs one statement in this schema (tests inspect the tables the store made).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP SCHEMA IF EXISTS {Name} CASCADE");

    private static async Task ExecuteAsync(string sql)
    {
        // The name is generated above (a GUID), never input: DDL cannot take it as a parameter.
        await using var connection = new NpgsqlConnection(TestServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
