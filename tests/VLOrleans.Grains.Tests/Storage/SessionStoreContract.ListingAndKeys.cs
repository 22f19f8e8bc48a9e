using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Storage;

/// <summary>The contract's newer parts: an owner's session listing, Idempotency-Keys, and a turn's boxes.</summary>
public abstract partial class SessionStoreContract
{
    private static StoredIdempotencyKey Key(string owner, string key, string fingerprint, string session, int? turn = null) =>
        new(owner, key, fingerprint, session, turn);

    [Fact]
    public async Task An_owners_sessions_list_newest_first_in_pages_and_no_one_elses()
    {
        // Two sessions share a millisecond: the id breaks the tie (descending), so a page boundary between them is exact.
        await Store.CreateSessionAsync(new StoredSession("a1", "alice", T0));
        await Store.CreateSessionAsync(new StoredSession("a2", "alice", T0.AddSeconds(2)));
        await Store.CreateSessionAsync(new StoredSession("a3", "alice", T0.AddSeconds(2)));
        await Store.CreateSessionAsync(new StoredSession("a4", "alice", T0.AddSeconds(3)));
        await Store.CreateSessionAsync(new StoredSession("b1", "bob", T0.AddSeconds(5)));

        var first = await Store.ListSessionsAsync("alice", 2, null);
        Assert.Equal(["a4", "a3"], first.Select(s => s.Id));
        Assert.Equal([T0.AddSeconds(3), T0.AddSeconds(2)], first.Select(s => s.CreatedAt));
        var second = await Store.ListSessionsAsync("alice", 2, new SessionCursor(T0.AddSeconds(2).ToUnixTimeMilliseconds(), "a3"));
        Assert.Equal(["a2", "a1"], second.Select(s => s.Id));
        Assert.Empty(await Store.ListSessionsAsync("alice", 2, new SessionCursor(T0.ToUnixTimeMilliseconds(), "a1")));
        Assert.Equal(["b1"], (await Store.ListSessionsAsync("bob", 10, null)).Select(s => s.Id));
        Assert.Empty(await Store.ListSessionsAsync("carol", 10, null));
    }

    [Fact]
    public async Task A_key_creates_one_session_and_a_second_use_writes_nothing()
    {
        Assert.True(await Store.CreateSessionOnceAsync(new StoredSession("s1", "alice", T0), Key("alice", "k", "f1", "s1")));

        Assert.False(await Store.CreateSessionOnceAsync(new StoredSession("s2", "alice", T0), Key("alice", "k", "f1", "s2")));

        Assert.Null(await Store.GetSessionAsync("s2"));
        Assert.Equal(Key("alice", "k", "f1", "s1"), await Store.GetIdempotencyKeyAsync("alice", "k"));
        // Keys are per owner: bob's "k" is another key.
        Assert.Null(await Store.GetIdempotencyKeyAsync("bob", "k"));
        Assert.True(await Store.CreateSessionOnceAsync(new StoredSession("s3", "bob", T0), Key("bob", "k", "f9", "s3")));
        Assert.Equal(Key("bob", "k", "f9", "s3"), await Store.GetIdempotencyKeyAsync("bob", "k"));
    }

    [Fact]
    public async Task A_key_stores_a_turn_pair_once_and_goes_with_its_session()
    {
        var s = await NewSessionAsync("s", "alice");
        Assert.True(await Store.AppendTurnsOnceAsync(s, [Question(0, "q"), Answer(1, "a")], Key("alice", "ask-1", "f", s, 1)));

        // The same key again (a retry that raced the first): nothing written, not even the turns.
        Assert.False(await Store.AppendTurnsOnceAsync(s, [Question(2, "q"), Answer(3, "a")], Key("alice", "ask-1", "f", s, 3)));

        Assert.Equal([0, 1], (await Store.GetTurnsAsync(s)).Select(t => t.Index));
        Assert.Equal(Key("alice", "ask-1", "f", s, 1), await Store.GetIdempotencyKeyAsync("alice", "ask-1"));
        await Store.DeleteSessionAsync(s);
        Assert.Null(await Store.GetIdempotencyKeyAsync("alice", "ask-1"));
    }

    [Fact]
    public async Task A_turns_boxes_read_back_and_a_turn_without_boxes_has_none()
    {
        var s = await NewSessionAsync();
        BoxView[] boxes = [new("img", "box", "dent", 130, 219, 650, 657.5, false), new("img", "point", null, 10.25, 20, 10.25, 20, true)];
        await Store.AppendTurnsAsync(s, [Question(0, "Where?"), Answer(1, "{\"bbox_2d\": …}") with { Boxes = boxes }, Question(2, "q"), Answer(3, "a")]);

        var turns = await Store.GetTurnsAsync(s);

        Assert.Equal(boxes, turns[1].Boxes);
        Assert.Equal(("stop", new UsageView(101, 64, 7)), (turns[1].FinishReason, turns[1].Usage));
        Assert.Null(turns[3].Boxes);
        Assert.Null(turns[0].Boxes);
    }
}
