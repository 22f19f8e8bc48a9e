using System.Net;
using System.Net.Sockets;
using Npgsql;
using VLOrleans.Grains.Storage;
using Migration = VLOrleans.Grains.Storage.PostgresSchema.Migration;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>The PostgreSQL schema's versioning: each migration once, in order, in its own transaction, even when
/// several nodes start together; a database newer than the build is refused; an unreachable one is an outage.</summary>
public sealed class PostgresSchemaTests : IAsyncLifetime
{
    private PostgresTestSchema _schema = null!;

    // Deliberately not idempotent (no IF NOT EXISTS): running one twice fails, so "applied once" is observable.
    private static readonly Migration AddNotes = new(3, "notes", ["CREATE TABLE notes (n INTEGER)"]);

    public async Task InitializeAsync() => _schema = await PostgresTestSchema.CreateAsync();

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    private async Task<IReadOnlyList<int>> MigrateAsync(params Migration[] migrations)
    {
        await using var dataSource = NpgsqlDataSource.Create(_schema.ConnectionString);
        return await PostgresSchema.MigrateAsync(dataSource, migrations, CancellationToken.None);
    }

    private async Task<long[]> RecordedVersionsAsync() =>
        (long[])(await _schema.ScalarAsync("SELECT COALESCE(array_agg(version::bigint ORDER BY version), '{}') FROM schema_version"))!;

    [Fact]
    public async Task A_fresh_database_gets_every_migration_and_a_second_start_applies_none()
    {
        await (await PostgresSessionStore.OpenAsync(_schema.ConnectionString)).DisposeAsync();

        Assert.Equal(new long[] { 1, 2 }, await RecordedVersionsAsync());
        Assert.Equal("BYTEA", ((string)(await _schema.ScalarAsync(
            $"SELECT data_type FROM information_schema.columns WHERE table_schema = '{_schema.Name}' AND table_name = 'images' AND column_name = 'bytes'"))!).ToUpperInvariant());
        Assert.Empty(await MigrateAsync([.. PostgresSchema.Migrations]));
    }

    [Fact]
    public async Task An_upgrade_applies_only_the_new_migration()
    {
        Assert.Equal([1, 2], await MigrateAsync([.. PostgresSchema.Migrations]));

        Assert.Equal([3], await MigrateAsync([.. PostgresSchema.Migrations, AddNotes]));
        Assert.Empty(await MigrateAsync([.. PostgresSchema.Migrations, AddNotes]));
        Assert.Equal(new long[] { 1, 2, 3 }, await RecordedVersionsAsync());
    }

    [Fact]
    public async Task Nodes_starting_together_apply_each_migration_exactly_once()
    {
        var starts = Enumerable.Range(0, 6).Select(_ => Task.Run(() => MigrateAsync([.. PostgresSchema.Migrations, AddNotes])));

        var applied = (await Task.WhenAll(starts)).SelectMany(v => v).Order();

        Assert.Equal([1, 2, 3], applied);
        Assert.Equal(new long[] { 1, 2, 3 }, await RecordedVersionsAsync());
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_behind_and_can_be_fixed()
    {
        await MigrateAsync([.. PostgresSchema.Migrations]);
        var broken = new Migration(3, "broken", ["CREATE TABLE notes (n INTEGER)", "SELECT no_such_function()"]);

        await Assert.ThrowsAsync<PostgresException>(() => MigrateAsync([.. PostgresSchema.Migrations, broken]));

        Assert.Equal(new long[] { 1, 2 }, await RecordedVersionsAsync());
        Assert.Equal(DBNull.Value, await _schema.ScalarAsync("SELECT to_regclass('notes')::text"));
        Assert.Equal([3], await MigrateAsync([.. PostgresSchema.Migrations, AddNotes]));
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused()
    {
        await MigrateAsync([.. PostgresSchema.Migrations, AddNotes]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSessionStore.OpenAsync(_schema.ConnectionString));
        Assert.Contains("schema version 3", error.Message);
    }

    [Fact]
    public async Task Opening_an_unreachable_database_is_an_outage()
    {
        // A port nobody listens on: bound, read, released.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            PostgresSessionStore.OpenAsync($"Host=127.0.0.1;Port={port};Username=vlo;Database=vlo;Timeout=5"));
        Assert.IsAssignableFrom<NpgsqlException>(error.InnerException);
    }
}
