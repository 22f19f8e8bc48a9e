using System.Data.Common;
using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>
/// What <see cref="ISessionStore"/> promises, checked the same way on every store: one subclass per store opens a
/// fresh, empty one per test. Expected values are written out here, never read back from the store under test.
/// </summary>
public abstract partial class SessionStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    protected ISessionStore Store { get; private set; } = null!;

    /// <summary>Opens the store of this test (the same database on every call).</summary>
    protected abstract Task<ISessionStore> OpenAsync();

    /// <summary>Rows in the store's images table.</summary>
    protected abstract Task<long> CountImageRowsAsync();

    public async Task InitializeAsync() => Store = await OpenAsync();

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    private static ImageView Facts(string id) => new(id, "png", 640, 480, 300, 1, false, null, null, 256);

    private static StoredImage Image(char fill, params byte[] bytes) => new(new string(fill, 64), bytes, Facts(new string(fill, 64)));

    private static TurnView Question(int index, string text, params string[] imageIds) => new(index, "user", text, imageIds, T0.AddSeconds(index));

    private static TurnView Answer(int index, string text) =>
        new(index, "assistant", text, [], T0.AddSeconds(index), "stop", new UsageView(100 + index, 64, 7), new TimingsView(0.5, 12.25, 80, 87.5, 1, 0));

    private async Task<string> NewSessionAsync(string id = "s", string owner = "owner")
    {
        await Store.CreateSessionAsync(new StoredSession(id, owner, T0));
        return id;
    }

    [Fact]
    public async Task A_session_reads_back_as_created_and_a_missing_one_is_null()
    {
        await Store.CreateSessionAsync(new StoredSession("s1", "alice", T0.AddMilliseconds(123)));

        Assert.Equal(new StoredSession("s1", "alice", T0.AddMilliseconds(123)), await Store.GetSessionAsync("s1"));
        Assert.Null(await Store.GetSessionAsync("s2"));
        Assert.Null(await Store.GetImageBytesAsync(new string('f', 64)));
        Assert.Empty(await Store.GetTurnsAsync("s2"));
        Assert.Empty(await Store.GetImagesAsync("s2"));
        await Assert.ThrowsAnyAsync<DbException>(() => Store.CreateSessionAsync(new StoredSession("s1", "bob", T0)));
        Assert.Equal("alice", (await Store.GetSessionAsync("s1"))!.Owner);
    }

    [Fact]
    public async Task Turns_read_back_oldest_first_with_every_field()
    {
        var s = await NewSessionAsync();
        var image = new string('a', 64);
        await Store.AppendTurnsAsync(s, [Question(0, "What is damaged?", image), Answer(1, "The corner.")]);
        // Appended out of order, still read back by index.
        await Store.AppendTurnsAsync(s, [Question(4, "And now?"), Answer(5, "Nothing.")]);
        await Store.AppendTurnsAsync(s, [Question(2, "Which corner?"), Answer(3, "Top left.")]);

        var turns = await Store.GetTurnsAsync(s);
        Assert.Equal([0, 1, 2, 3, 4, 5], turns.Select(t => t.Index));
        Assert.Equal(["user", "assistant", "user", "assistant", "user", "assistant"], turns.Select(t => t.Role));
        Assert.Equal(["What is damaged?", "The corner.", "Which corner?", "Top left.", "And now?", "Nothing."], turns.Select(t => t.Text));
        Assert.Equal([image], turns[0].ImageIds);
        Assert.Empty(turns[1].ImageIds);
        Assert.Equal((T0, T0.AddSeconds(1)), (turns[0].CreatedAt, turns[1].CreatedAt));
        Assert.Equal((null, null, null), (turns[0].FinishReason, turns[0].Usage, turns[0].Timings));
        Assert.Equal("stop", turns[3].FinishReason);
        Assert.Equal(new UsageView(103, 64, 7), turns[3].Usage);
        Assert.Equal(new TimingsView(0.5, 12.25, 80, 87.5, 1, 0), turns[3].Timings);
    }

    [Fact]
    public async Task A_pair_that_collides_with_a_stored_index_is_written_not_at_all()
    {
        var s = await NewSessionAsync();
        await Store.AppendTurnsAsync(s, [Question(0, "q0"), Answer(1, "a0")]);

        // The first turn of the pair is new, the second collides: the whole pair fails.
        await Assert.ThrowsAnyAsync<DbException>(() => Store.AppendTurnsAsync(s, [Question(2, "q1"), Answer(1, "a1")]));

        Assert.Equal(["q0", "a0"], (await Store.GetTurnsAsync(s)).Select(t => t.Text));
        await Store.AppendTurnsAsync(s, [Question(2, "q1"), Answer(3, "a1")]); // the store is still writable
        Assert.Equal([0, 1, 2, 3], (await Store.GetTurnsAsync(s)).Select(t => t.Index));
    }

    [Fact]
    public async Task Turns_of_one_session_never_show_in_another()
    {
        await NewSessionAsync("s1");
        await NewSessionAsync("s2");
        await Store.AppendTurnsAsync("s1", [Question(0, "one"), Answer(1, "1")]);
        await Store.AppendTurnsAsync("s2", [Question(0, "two"), Answer(1, "2")]);

        Assert.Equal(["one", "1"], (await Store.GetTurnsAsync("s1")).Select(t => t.Text));
        Assert.Equal(["two", "2"], (await Store.GetTurnsAsync("s2")).Select(t => t.Text));
    }

    [Fact]
    public async Task An_image_linked_by_two_sessions_is_stored_once_with_each_sessions_file_name()
    {
        await NewSessionAsync("s1");
        await NewSessionAsync("s2");
        var image = Image('a', 1, 2, 3);

        await Store.AddImageAsync("s1", image, "parcel.png", 0);
        await Store.AddImageAsync("s2", image, "other-name.png", 2);

        Assert.Equal(1, await CountImageRowsAsync());
        Assert.Equal(new StoredImageLink(Facts(image.Id) with { FileName = "parcel.png" }, 0), Assert.Single(await Store.GetImagesAsync("s1")));
        Assert.Equal(new StoredImageLink(Facts(image.Id) with { FileName = "other-name.png" }, 2), Assert.Single(await Store.GetImagesAsync("s2")));
        Assert.Equal([1, 2, 3], await Store.GetImageBytesAsync(image.Id));
    }

    [Fact]
    public async Task Every_byte_value_and_a_megabyte_image_read_back_exactly()
    {
        var s = await NewSessionAsync();
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var large = new byte[1 << 20];
        new Random(7).NextBytes(large);

        await Store.AddImageAsync(s, Image('a', all), null, 0);
        await Store.AddImageAsync(s, Image('b', large), null, 0);

        Assert.Equal(all, await Store.GetImageBytesAsync(new string('a', 64)));
        Assert.Equal(large, await Store.GetImageBytesAsync(new string('b', 64)));
        Assert.Null(Assert.Single(await Store.GetImagesAsync(s), l => l.Image.Id == new string('a', 64)).Image.FileName);
    }

    [Fact]
    public async Task Deleting_a_session_removes_its_rows_and_only_the_image_bytes_no_other_session_links()
    {
        await NewSessionAsync("s1");
        await NewSessionAsync("s2");
        var shared = Image('a', 1);
        var own = Image('b', 2);
        await Store.AddImageAsync("s1", shared, null, 0);
        await Store.AddImageAsync("s1", own, null, 0);
        await Store.AddImageAsync("s2", shared, null, 0);
        await Store.AppendTurnsAsync("s1", [Question(0, "q", shared.Id, own.Id), Answer(1, "a")]);
        await Store.AppendTurnsAsync("s2", [Question(0, "q2", shared.Id), Answer(1, "a2")]);

        await Store.DeleteSessionAsync("s1");

        Assert.Null(await Store.GetSessionAsync("s1"));
        Assert.Empty(await Store.GetTurnsAsync("s1"));
        Assert.Empty(await Store.GetImagesAsync("s1"));
        Assert.Null(await Store.GetImageBytesAsync(own.Id));
        Assert.Equal([1], await Store.GetImageBytesAsync(shared.Id));
        Assert.Equal(1, await CountImageRowsAsync());
        Assert.Equal(["q2", "a2"], (await Store.GetTurnsAsync("s2")).Select(t => t.Text));
        Assert.Equal(shared.Id, Assert.Single(await Store.GetImagesAsync("s2")).Image.Id);

        await Store.DeleteSessionAsync("s2");
        await Store.DeleteSessionAsync("never-existed");
        Assert.Equal(0, await CountImageRowsAsync());
    }

    [Fact]
    public async Task An_image_linked_while_its_last_other_session_is_deleted_keeps_its_bytes()
    {
        const int Rounds = 20;
        for (var i = 0; i < Rounds; i++)
        {
            var image = new StoredImage($"{i:D64}", new byte[] { (byte)i }, Facts($"{i:D64}"));
            await NewSessionAsync($"old{i}");
            await NewSessionAsync($"new{i}");
            await Store.AddImageAsync($"old{i}", image, null, 0);

            // The old session's delete looks for other links while the new session links the same bytes.
            await Task.WhenAll(Task.Run(() => Store.DeleteSessionAsync($"old{i}")), Task.Run(() => Store.AddImageAsync($"new{i}", image, null, 0)));

            Assert.Equal(new byte[] { (byte)i }, await Store.GetImageBytesAsync(image.Id));
            Assert.Equal(image.Id, Assert.Single(await Store.GetImagesAsync($"new{i}")).Image.Id);
        }
    }

    [Fact]
    public async Task A_second_upload_moves_the_link_to_its_turn_and_file_name_and_to_the_end_of_the_upload_order()
    {
        var s = await NewSessionAsync();
        var first = Image('c', 1);
        var second = Image('a', 2); // ids sort against upload order, so an order by id would show
        // The SQLite store orders by millisecond upload time: uploads a few milliseconds apart are ordered on both.
        await Store.AddImageAsync(s, first, "one.png", 0);
        await Task.Delay(5);
        await Store.AddImageAsync(s, second, "two.png", 2);
        Assert.Equal([first.Id, second.Id], (await Store.GetImagesAsync(s)).Select(l => l.Image.Id));
        await Task.Delay(5);

        await Store.AddImageAsync(s, first, "again.png", 4);

        var links = await Store.GetImagesAsync(s);
        Assert.Equal([second.Id, first.Id], links.Select(l => l.Image.Id));
        Assert.Equal(("again.png", 4), (links[1].Image.FileName, links[1].NextTurnIndex));
        Assert.Equal(("two.png", 2), (links[0].Image.FileName, links[0].NextTurnIndex));
        Assert.Equal(2, await CountImageRowsAsync());
    }

    [Fact]
    public async Task Concurrent_appends_of_distinct_pairs_all_land_in_order()
    {
        const int SessionCount = 4, PairCount = 10;
        for (var i = 0; i < SessionCount; i++) await NewSessionAsync($"s{i}");

        // Every pair of every session at once, in scrambled order.
        var appends = Enumerable.Range(0, SessionCount * PairCount).OrderBy(i => (i * 17) % 40)
            .Select(i => Task.Run(() => Store.AppendTurnsAsync($"s{i % SessionCount}",
                [Question(2 * (i / SessionCount), $"q{i / SessionCount}"), Answer(2 * (i / SessionCount) + 1, $"a{i / SessionCount}")])));
        await Task.WhenAll(appends);

        for (var i = 0; i < SessionCount; i++)
        {
            var turns = await Store.GetTurnsAsync($"s{i}");
            Assert.Equal(Enumerable.Range(0, 2 * PairCount), turns.Select(t => t.Index));
            Assert.Equal(Enumerable.Range(0, PairCount).SelectMany(k => new[] { $"q{k}", $"a{k}" }), turns.Select(t => t.Text));
        }
    }

    [Fact]
    public async Task Concurrent_appends_of_the_same_pair_store_it_exactly_once()
    {
        var s = await NewSessionAsync();
        var attempts = Enumerable.Range(0, 8).Select(n => Task.Run(async () =>
        {
            try
            {
                await Store.AppendTurnsAsync(s, [Question(0, $"q by {n}"), Answer(1, $"a by {n}")]);
                return n;
            }
            catch (DbException)
            {
                return -1;
            }
        })).ToArray();
        var winners = (await Task.WhenAll(attempts)).Where(n => n >= 0).ToArray();

        var winner = Assert.Single(winners);
        Assert.Equal([$"q by {winner}", $"a by {winner}"], (await Store.GetTurnsAsync(s)).Select(t => t.Text));
    }

    public static TheoryData<string> HostileStrings => new()
    {
        "'); DROP TABLE sessions; --",
        "x' OR '1'='1",
        "\"; DELETE FROM turns; --",
        "@id",
        "$1",
        "?",
        "\\'",
        "%_*",
    };

    [Theory]
    [MemberData(nameof(HostileStrings))]
    public async Task Hostile_strings_are_values_everywhere(string hostile)
    {
        var image = new StoredImage(hostile, new byte[] { 4, 2 }, Facts(hostile) with { Format = hostile, Camera = hostile });
        await Store.CreateSessionAsync(new StoredSession(hostile, hostile, T0));
        await NewSessionAsync("bystander");
        await Store.AppendTurnsAsync("bystander", [Question(0, "still here"), Answer(1, "yes")]);

        await Store.AddImageAsync(hostile, image, hostile, 0);
        await Store.AppendTurnsAsync(hostile, [Question(0, hostile, hostile), Answer(1, hostile)]);

        Assert.Equal(new StoredSession(hostile, hostile, T0), await Store.GetSessionAsync(hostile));
        var turns = await Store.GetTurnsAsync(hostile);
        Assert.Equal([hostile, hostile], turns.Select(t => t.Text));
        Assert.Equal([hostile], turns[0].ImageIds);
        Assert.Equal(Facts(hostile) with { Format = hostile, Camera = hostile, FileName = hostile }, Assert.Single(await Store.GetImagesAsync(hostile)).Image);
        Assert.Equal([4, 2], await Store.GetImageBytesAsync(hostile));
        Assert.Equal(["still here", "yes"], (await Store.GetTurnsAsync("bystander")).Select(t => t.Text));
        await Store.DeleteSessionAsync(hostile);
        Assert.Null(await Store.GetSessionAsync(hostile));
        Assert.NotNull(await Store.GetSessionAsync("bystander"));
    }

    [Fact]
    public async Task Unicode_reads_back_exactly()
    {
        // CJK, an emoji outside the BMP (a surrogate pair in .NET), combining marks, right-to-left text.
        const string Text = "这个包裹的哪个角损坏了？ 📦🔍 e\u0301 \u05E9\u05DC\u05D5\u05DD Ωmega";
        await Store.CreateSessionAsync(new StoredSession("会话-📦", "用户", T0));
        await Store.AppendTurnsAsync("会话-📦", [Question(0, Text), Answer(1, "右上角。🙂")]);
        await Store.AddImageAsync("会话-📦", Image('d', 1), "照片 📷.png", 0);

        Assert.Equal("用户", (await Store.GetSessionAsync("会话-📦"))!.Owner);
        Assert.Equal([Text, "右上角。🙂"], (await Store.GetTurnsAsync("会话-📦")).Select(t => t.Text));
        Assert.Equal("照片 📷.png", Assert.Single(await Store.GetImagesAsync("会话-📦")).Image.FileName);
    }

    [Fact]
    public async Task Everything_survives_reopening_the_store()
    {
        var s = await NewSessionAsync();
        await Store.AddImageAsync(s, Image('e', 5, 6), "kept.png", 2);
        await Store.AppendTurnsAsync(s, [Question(0, "q"), Answer(1, "a")]);
        await Store.DisposeAsync();

        Store = await OpenAsync();

        Assert.Equal(new StoredSession(s, "owner", T0), await Store.GetSessionAsync(s));
        Assert.Equal(["q", "a"], (await Store.GetTurnsAsync(s)).Select(t => t.Text));
        Assert.Equal(new StoredImageLink(Facts(new string('e', 64)) with { FileName = "kept.png" }, 2), Assert.Single(await Store.GetImagesAsync(s)));
        Assert.Equal([5, 6], await Store.GetImageBytesAsync(new string('e', 64)));
    }
}

/// <summary>The contract on the embedded SQLite store (a file in a fresh folder per test).</summary>
public sealed class SqliteSessionStoreContract : SessionStoreContract
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-contract-").FullName;
    private SqliteSessionStore? _current;

    protected override Task<ISessionStore> OpenAsync()
    {
        _current = SqliteSessionStore.Open(Path.Combine(_folder, "sessions.db"));
        return Task.FromResult<ISessionStore>(_current);
    }

    protected override Task<long> CountImageRowsAsync() => Task.FromResult(_current!.CountImageRows());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The contract on the PostgreSQL store (a schema of its own per test in the tests' server).</summary>
public sealed class PostgresSessionStoreContract : SessionStoreContract
{
    private PostgresTestSchema? _schema;
    private PostgresSessionStore? _current;

    protected override async Task<ISessionStore> OpenAsync()
    {
        _schema ??= await PostgresTestSchema.CreateAsync();
        _current = await PostgresSessionStore.OpenAsync(_schema.ConnectionString);
        return _current;
    }

    protected override Task<long> CountImageRowsAsync() => _current!.CountImageRowsAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_schema is not null) await _schema.DisposeAsync();
    }
}
