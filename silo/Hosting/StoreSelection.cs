using VLOrleans.Grains.Storage;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// The one place the session store is chosen: PostgreSQL when <c>VLO:Cluster:Postgres</c> is set (a cluster's model
/// nodes share it), else by <c>VLO:Store</c>: <c>sqlite</c> (default; <c>{DataPath}/sessions.db</c>) or <c>memory</c> (<see cref="MemorySessionStore"/>: nothing written, sessions lost on restart — for a read-only disk
/// or a throwaway server). Grains know only <see cref="ISessionStore"/>.
/// </summary>
public static class StoreSelection
{
    public const string Sqlite = "sqlite";
    public const string Memory = "memory";

    public static bool IsInMemory(VloOptions options) => string.Equals(options.Store, Memory, StringComparison.Ordinal);

    public static bool IsPostgres(VloOptions options) => !string.IsNullOrWhiteSpace(options.Cluster.Postgres);

    public static IServiceCollection AddSessionStore(this IServiceCollection services, VloOptions settings) =>
        IsPostgres(settings)
            ? services.AddSingleton<ISessionStore>(_ => PostgresSessionStore.OpenAsync(settings.Cluster.Postgres!).GetAwaiter().GetResult())
            : IsInMemory(settings)
                ? services.AddSingleton<ISessionStore, MemorySessionStore>()
                : services.AddSingleton<ISessionStore>(_ => SqliteSessionStore.Open(SqlitePath(settings)));

    public static string SqlitePath(VloOptions settings) => Path.Combine(Path.GetFullPath(settings.DataPath), SiloHosting.StoreFileName);

    /// <summary>Where sessions live, in words (the startup log and the status page).</summary>
    public static string Describe(VloOptions settings) => IsPostgres(settings)
        ? "in PostgreSQL (VLO:Cluster:Postgres), shared by the cluster's model nodes"
        : IsInMemory(settings)
        ? "in memory only (VLO:Store=memory): sessions are lost when the server stops, and nothing is written to disk"
        : $"in {SqlitePath(settings)} (SQLite; the data folder is the only place the server writes)";
}
