using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Storage;

public sealed class SqliteSessionStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-store-").FullName;

    private string DbPath => Path.Combine(_folder, "sessions.db");

    private static ImageView Facts(string id) => new(id, "png", 640, 480, 3, 1, false, null, null, 300);

    [Fact]
    public async Task Sessions_turns_and_images_survive_reopening_and_each_image_is_stored_once()
    {
        var imageId = new string('a', 64);
        byte[] bytes = [1, 2, 3];
        var created = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var usage = new UsageView(120, 100, 7);
        var timings = new TimingsView(1.5, 20.25, 80, 12.5, 1, 0);
        await using (var first = SqliteSessionStore.Open(DbPath))
        {
            ISessionStore store = first;
            await store.CreateSessionAsync(new StoredSession("s1", "owner-a", created));
            await store.CreateSessionAsync(new StoredSession("s2", "owner-b", created));
            await store.AddImageAsync("s1", new StoredImage(imageId, bytes, Facts(imageId)), "parcel.png", 0);
            await store.AddImageAsync("s2", new StoredImage(imageId, bytes, Facts(imageId)), null, 0);
            await store.AppendTurnsAsync("s1",
            [
                new TurnView(0, "user", "What is damaged?", [imageId], created),
                new TurnView(1, "assistant", "The corner.", [], created.AddSeconds(1), "stop", usage, timings),
            ]);
            Assert.Equal(1, first.CountImageRows()); // two sessions, one image row: content-addressed
        }

        await using var reopened = SqliteSessionStore.Open(DbPath);
        ISessionStore again = reopened;
        Assert.Equal(new StoredSession("s1", "owner-a", created), await again.GetSessionAsync("s1"));
        Assert.Null(await again.GetSessionAsync("nope"));
        var turns = await again.GetTurnsAsync("s1");
        Assert.Equal(2, turns.Count);
        Assert.Equal(("user", "What is damaged?", imageId), (turns[0].Role, turns[0].Text, turns[0].ImageIds.Single()));
        Assert.Null(turns[0].Usage);
        Assert.Equal(("assistant", "The corner.", "stop"), (turns[1].Role, turns[1].Text, turns[1].FinishReason));
        Assert.Equal(usage, turns[1].Usage);
        Assert.Equal(timings, turns[1].Timings);
        Assert.Equal(created.AddSeconds(1), turns[1].CreatedAt);
        var images = await again.GetImagesAsync("s1");
        Assert.Equal(Facts(imageId) with { FileName = "parcel.png" }, images.Single().Image);
        Assert.Equal(bytes, await again.GetImageBytesAsync(imageId));

        // Deleting one session keeps the image the other still links; deleting the last link collects it.
        await again.DeleteSessionAsync("s1");
        Assert.Null(await again.GetSessionAsync("s1"));
        Assert.Empty(await again.GetTurnsAsync("s1"));
        Assert.Equal(bytes, await again.GetImageBytesAsync(imageId));
        await again.DeleteSessionAsync("s2");
        Assert.Null(await again.GetImageBytesAsync(imageId));
        Assert.Equal(0, reopened.CountImageRows());
    }

    [Fact]
    public async Task A_second_upload_of_the_same_image_moves_its_link_and_turn_indexes_are_unique()
    {
        await using var sqlite = SqliteSessionStore.Open(DbPath);
        ISessionStore store = sqlite;
        await store.CreateSessionAsync(new StoredSession("s", "", DateTimeOffset.UtcNow));
        var id = new string('b', 64);
        await store.AddImageAsync("s", new StoredImage(id, new byte[] { 9 }, Facts(id)), "one.png", 0);
        await store.AddImageAsync("s", new StoredImage(id, new byte[] { 9 }, Facts(id)), "two.png", 4);
        var link = Assert.Single(await store.GetImagesAsync("s"));
        Assert.Equal(("two.png", 4), (link.Image.FileName, link.NextTurnIndex));

        var turn = new TurnView(0, "user", "hi", [], DateTimeOffset.UtcNow);
        await store.AppendTurnsAsync("s", [turn, turn with { Index = 1, Role = "assistant" }]);
        // A pair that collides with a stored index fails as a whole: neither turn is written.
        await Assert.ThrowsAnyAsync<Microsoft.Data.Sqlite.SqliteException>(() =>
            store.AppendTurnsAsync("s", [turn with { Index = 2 }, turn with { Index = 1 }]));
        Assert.Equal([0, 1], (await store.GetTurnsAsync("s")).Select(t => t.Index));
    }

    [Fact]
    public async Task The_file_is_in_wal_mode()
    {
        await using (SqliteSessionStore.Open(DbPath)) { }
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
