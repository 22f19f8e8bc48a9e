using Npgsql;
using VLOrleans.Silo.Tests.Newcomer;

namespace VLOrleans.Silo.Tests.Cluster;

/// <summary>
/// The PostgreSQL and Redis the cluster tests run against: <c>VLO_TEST_POSTGRES</c> / <c>VLO_TEST_REDIS</c>, else the
/// file <c>data/services/env</c> that <c>scripts/services.sh start</c> writes (<c>make test</c> runs it). Each test
/// cluster gets a schema of its own and a cluster id of its own, so tests never see each other's sessions or silos.
/// </summary>
public static class ClusterServices
{
    public static string Postgres => Setting("VLO_TEST_POSTGRES");
    public static string Redis => Setting("VLO_TEST_REDIS");

    private static string Setting(string name)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) return value;
        var file = RepositoryFiles.Path("data", "services", "env");
        if (File.Exists(file))
        {
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith(name + "=", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        }
        throw new InvalidOperationException($"{name} is not set and {file} does not exist: run scripts/services.sh start (make test does)");
    }

    /// <summary>Creates a fresh schema; returns a connection string whose search path is it.</summary>
    public static async Task<string> NewSchemaAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Postgres) { SearchPath = name }.ConnectionString;
    }

    public static async Task DropSchemaAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {name} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A session's stored turns (role, text) in order, read from the database itself, not through the API.</summary>
    public static async Task<List<(int Index, string Role, string Text)>> StoredTurnsAsync(string connectionString, string sessionId)
    {
        var turns = new List<(int, string, string)>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT idx, role, text FROM turns WHERE session_id = @id ORDER BY idx", connection);
        select.Parameters.AddWithValue("id", sessionId);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) turns.Add((reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        return turns;
    }
}
