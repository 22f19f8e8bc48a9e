using Npgsql;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>
/// Where the tests' PostgreSQL and Redis are: the variables VLO_TEST_POSTGRES / VLO_TEST_REDIS, else the file
/// <c>data/services/env</c> that <c>scripts/services.sh start</c> writes. Missing or unreachable is a failure with
/// the command that fixes it, never a skip: CI must run these tests.
/// </summary>
internal static class TestServices
{
    public const string StartHint = "run `scripts/services.sh install && scripts/services.sh start` from the repository root " +
        "(or set VLO_TEST_POSTGRES to an Npgsql connection string of a database the tests may create schemas in)";

    private static readonly Lazy<string> Postgres = new(FindPostgres);

    /// <summary>The repository root (the folder holding VLOrleans.sln), found upward from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>A connection string of a reachable PostgreSQL; throws with <see cref="StartHint"/> otherwise.</summary>
    public static string PostgresConnectionString => Postgres.Value;

    private static string FindPostgres()
    {
        var connectionString = Setting("VLO_TEST_POSTGRES")
            ?? throw new InvalidOperationException($"No PostgreSQL for the tests (VLO_TEST_POSTGRES unset, no data/services/env): {StartHint}.");
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            throw new InvalidOperationException($"The tests' PostgreSQL ({connectionString}) is not reachable ({e.Message}): {StartHint}.", e);
        }
        return connectionString;
    }

    private static string? Setting(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrWhiteSpace(value)) return value;
        var file = Path.Combine(RepositoryRoot, "data", "services", "env");
        if (!File.Exists(file)) return null;
        foreach (var line in File.ReadLines(file))
            if (line.StartsWith(name + "=", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        return null;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VLOrleans.sln"))) return dir.FullName;
        throw new InvalidOperationException($"VLOrleans.sln not found above {AppContext.BaseDirectory}");
    }
}
