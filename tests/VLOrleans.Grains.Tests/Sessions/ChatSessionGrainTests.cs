using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Sessions;
using static VLOrleans.Grains.Tests.Sessions.SessionCluster;

namespace VLOrleans.Grains.Tests.Sessions;

public sealed class DefaultCluster : SessionCluster;

/// <summary>Session grains on a real two-silo cluster over the tiny-model engine and a real SQLite file. Each test uses
/// its own photos so vision-cache counts do not depend on test order (each silo's engine and cache are shared).</summary>
public sealed class ChatSessionGrainTests(DefaultCluster cluster) : IClassFixture<DefaultCluster>
{
    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);

    [Fact]
    public async Task A_follow_up_reuses_resident_kv_and_the_held_embeddings()
    {
        var session = await cluster.CreateAsync();
        var image = await session.AddImageAsync("", Photo("intel__gauge-1.jpg"), "gauge.jpg");

        var (text1, first) = await AnswerAsync(session, Greedy("What does the gauge read?"));
        Assert.Equal([image.Id], (await session.GetAsync("")).Turns[0].ImageIds); // defaulted to the upload since the last turn
        Assert.Equal(text1, first.Text);
        Assert.Equal((0, 1), (first.Timings!.VisionCacheHits, first.Timings.VisionEncodes));
        Assert.Equal(0, first.Usage!.CachedPromptTokens);

        var (_, second) = await AnswerAsync(session, Greedy("And the unit?"));
        // Turn 2's prompt starts with turn 1's prompt, all resident in the session's slot.
        Assert.True(second.Usage!.CachedPromptTokens >= first.Usage.PromptTokens,
            $"cached {second.Usage.CachedPromptTokens} of turn 1's {first.Usage.PromptTokens} prompt tokens");
        Assert.Equal((1, 0), (second.Timings!.VisionCacheHits, second.Timings.VisionEncodes));
        Assert.Equal([0, 1, 2, 3], (await session.GetAsync("")).Turns.Select(t => t.Index));
        Assert.Equal(image.Id, Assert.Single(cluster.Instance(session).HeldImageIds));
    }

    [Fact]
    public async Task A_second_question_is_refused_while_one_streams_and_while_its_enumeration_is_open()
    {
        var session = await cluster.CreateAsync();
        // Two questions sent at once: one answers, the other is refused (never both, never queued).
        var outcomes = await Task.WhenAll(new[] { "first?", "second?" }.Select(async q =>
        {
            try
            {
                await AnswerAsync(session, Greedy(q));
                return "answered";
            }
            catch (SessionBusyException)
            {
                return "busy";
            }
        }));
        Assert.Equal(["answered", "busy"], outcomes.Order());

        // An enumeration in flight (first delta read, the rest not yet): a second question is refused.
        var first = session.AskAsync("", Greedy("Tell me a long story.", maxTokens: 400)).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        Assert.IsType<AskAccepted>(first.Current); // checked and queued: the turn runs from here
        Assert.True(await first.MoveNextAsync());
        Assert.IsType<AskDelta>(first.Current);
        var busy = await Assert.ThrowsAsync<SessionBusyException>(async () => await AnswerAsync(session, Greedy("Another question")));
        Assert.Equal(session.GetPrimaryKeyString(), busy.SessionId);
        await first.DisposeAsync();

        // Disposing the open enumeration ended that turn: nothing stored for it, and the session answers again.
        var (_, turn) = await AnswerAsync(session, Greedy("Are you still there?"));
        Assert.Equal(3, turn.Index); // turns 0-1 are the question that won the race; the cancelled one took no index
        Assert.Equal(4, (await session.GetAsync("")).Turns.Count);
    }

    [Fact]
    public async Task Cancelling_the_caller_frees_the_slot_and_stores_nothing()
    {
        var session = await cluster.CreateAsync();
        using var cancel = new CancellationTokenSource();
        var events = session.AskAsync("", Greedy("Count to a thousand.", maxTokens: 400), cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await events.MoveNextAsync()); // streaming now, on whichever silo holds the session
        var engine = EngineOf(cluster.HolderOf(session));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            while (await events.MoveNextAsync()) { }
        });
        await events.DisposeAsync();
        Assert.Empty((await session.GetAsync("")).Turns);

        // The turn flag is free (no session_busy) and so is the KV slot: the next answer runs to its end.
        var (_, turn) = await AnswerAsync(session, Greedy("Hello?"));
        Assert.Equal((0, "user"), (0, (await session.GetAsync("")).Turns[0].Role));
        Assert.Equal(1, turn.Index);
        Assert.Equal(0, engine.Worker.Statistics.Slots.Busy);
    }

    [Fact]
    public async Task A_session_is_invisible_to_another_owner()
    {
        var mine = await cluster.CreateAsync("owner-a");
        await mine.AddImageAsync("owner-a", Photo("sam__dog.jpg"), "dog.jpg");
        await Assert.ThrowsAsync<SessionNotFoundException>(() => mine.GetAsync("owner-b"));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => mine.GetAsync(""));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => mine.AddImageAsync("owner-b", Photo("sam__dog.jpg"), null));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => mine.DeleteAsync("owner-b"));
        await Assert.ThrowsAsync<SessionNotFoundException>(async () => await AnswerAsync(mine, Greedy("whose dog?"), owner: "owner-b"));
        Assert.Single((await mine.GetAsync("owner-a")).Images); // untouched by the stranger's attempts
        await Assert.ThrowsAsync<SessionNotFoundException>(() => cluster.Grains.GetGrain<IChatSessionGrain>(new string('0', 32)).GetAsync("owner-a"));
    }

    [Fact]
    public async Task A_session_survives_a_deactivation_and_unknown_images_and_bad_questions_are_refused()
    {
        var session = await cluster.CreateAsync("k");
        var image = await session.AddImageAsync("k", Photo("llava__waterview.jpg"), "lake.jpg");
        await AnswerAsync(session, Greedy("Where is this?"), owner: "k");
        await Assert.ThrowsAsync<ImageNotFoundException>(async () => await AnswerAsync(session, Greedy("this?", imageIds: [new string('f', 64)]), owner: "k"));
        var empty = await Assert.ThrowsAsync<RequestProblemException>(async () => await AnswerAsync(session, Greedy("  "), owner: "k"));
        Assert.Equal((ProblemKind.InvalidRequest, ProblemCodes.InvalidRequest), (empty.Kind, empty.Code));
        var corrupt = await Assert.ThrowsAsync<RequestProblemException>(() => session.AddImageAsync("k", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], null));
        Assert.Equal(ProblemKind.ImageRejected, corrupt.Kind);
        var before = await session.GetAsync("k");

        var firstHolder = cluster.HolderOf(session).SiloAddress;
        await cluster.Cluster.DeactivateAsync(session);
        var reads = cluster.Store.ImageByteReads;
        var after = await session.GetAsync("k");
        Assert.Equal(Json(before.Turns), Json(after.Turns));
        Assert.Equal("lake.jpg", Assert.Single(after.Images).FileName);
        var (_, next) = await AnswerAsync(session, Greedy("Is it sunny?", imageIds: [image.Id]), owner: "k");
        Assert.Equal([image.Id], (await session.GetAsync("k")).Turns[2].ImageIds);
        Assert.Equal(3, next.Index);
        Assert.Equal(3, cluster.Instance(session).LastPrompt.Count); // turn 1 (from the store) + its answer + the question
        // Back on the silo whose vision cache encoded turn 1's image, the image is found there by its id (the pixel
        // hash): its bytes are not read (nor decoded, nor hashed) again. On the other silo they are read once.
        var sameSilo = cluster.HolderOf(session).SiloAddress.Equals(firstHolder);
        Assert.Equal(reads + (sameSilo ? 0 : 1), cluster.Store.ImageByteReads);

        await session.DeleteAsync("k");
        await Assert.ThrowsAsync<SessionNotFoundException>(() => session.GetAsync("k"));
    }
}

public sealed class ShortMemoryCluster : SessionCluster
{
    protected override ChatSessionOptions Options => new() { RecentTurns = 2 };
}

public sealed class RingBufferTests(ShortMemoryCluster cluster) : IClassFixture<ShortMemoryCluster>
{
    [Fact]
    public async Task The_ring_buffer_drops_the_oldest_turn_from_the_prompt_and_releases_its_image()
    {
        var session = await cluster.CreateAsync();
        var toucan = await session.AddImageAsync("", Photo("libpng__toucan.png"), null);
        await AnswerAsync(session, Greedy("alpha: what bird is this?"));
        var flower = await session.AddImageAsync("", Photo("pillow__flower.webp"), null);
        var (answer2, _) = await AnswerAsync(session, Greedy("bravo: and this flower?"));
        // With 2 turns per prompt, the next prompt holds turn 2 and the new question: turn 1's image is already let go.
        Assert.Equal([flower.Id], cluster.Instance(session).HeldImageIds);
        Assert.NotEqual(toucan.Id, flower.Id);

        var (_, third) = await AnswerAsync(session, Greedy("charlie: which colour is brighter?"));
        var grain = cluster.Instance(session);
        var prompt = string.Join("\n", grain.LastPrompt.SelectMany(m => m.Parts ?? []).OfType<TextContent>().Select(t => t.Text));
        Assert.DoesNotContain("alpha", prompt);
        Assert.Contains("bravo", prompt);
        Assert.Contains("charlie", prompt);
        Assert.Empty(grain.HeldImageIds); // the next prompt holds only turn 3 (no image): the flower is let go too

        // Independent count: the template + tokenizer over exactly turn 2 and the new question (no turn 1) gives the
        // prompt length the engine reported.
        var engine = EngineOf(cluster.HolderOf(session));
        var expected = engine.BuildRequest(
            [
                ChatMessage.User(new ImageContent(), new TextContent("bravo: and this flower?")),
                ChatMessage.Assistant(answer2),
                ChatMessage.User(new TextContent("charlie: which colour is brighter?")),
            ],
            [await engine.PrepareImageAsync(Photo("pillow__flower.webp"))], new GenerationSettings(), null);
        Assert.Equal(expected.Prompt.Count, third.Usage!.PromptTokens);
        Assert.Equal(6, (await session.GetAsync("")).Turns.Count); // the store keeps every turn
    }
}

public sealed class SmallContextCluster : SessionCluster
{
    protected override int MaxSequenceLength => 150;

    protected override int SlotCount => 1;
}

public sealed class ContextOverflowTests(SmallContextCluster cluster) : IClassFixture<SmallContextCluster>
{
    [Fact]
    public async Task When_history_overflows_a_slot_the_oldest_turns_leave_the_prompt_instead_of_failing()
    {
        var session = await cluster.CreateAsync();
        var image = await session.AddImageAsync("", Photo("intel__gauge-1.jpg"), null);
        var (_, first) = await AnswerAsync(session, Greedy("Read the gauge."));
        Assert.True(2 * first.Usage!.PromptTokens + 6 > 150, $"the test needs two image turns to overflow 150 tokens ({first.Usage.PromptTokens} per turn)");

        var (_, second) = await AnswerAsync(session, Greedy("Read it again.", imageIds: [image.Id]));
        Assert.Single(cluster.Instance(session).LastPrompt); // turn 1 left the prompt
        var engine = EngineOf(cluster.HolderOf(session));
        var expected = engine.BuildRequest([ChatMessage.User(new ImageContent(), new TextContent("Read it again."))],
            [await engine.PrepareImageAsync(Photo("intel__gauge-1.jpg"))], new GenerationSettings(), null);
        Assert.Equal(expected.Prompt.Count, second.Usage!.PromptTokens);
        var alone = await Assert.ThrowsAsync<RequestProblemException>(async () =>
            await AnswerAsync(session, Greedy("Read it once more.", maxTokens: 200, imageIds: [image.Id])));
        Assert.Equal((ProblemKind.ContextLengthExceeded, "context_length_exceeded"), (alone.Kind, alone.Code)); // the question alone cannot fit: refused, not trimmed
    }
}
