using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Sessions;
using static VLOrleans.Grains.Tests.Sessions.SessionTestBed;

namespace VLOrleans.Grains.Tests.Sessions;

/// <summary>Session actors over the real tiny-model engine and a real SQLite file. Each test uses its own photos so
/// vision-cache counts do not depend on test order (the engine and its cache are shared).</summary>
public sealed class ChatSessionGrainTests(TinyEngineFixture fixture) : IClassFixture<TinyEngineFixture>
{
    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);

    [Fact]
    public async Task A_follow_up_reuses_resident_kv_and_the_held_embeddings()
    {
        await using var bed = new SessionTestBed(fixture.Inference);
        var session = await bed.Sessions.CreateAsync("");
        var image = await session.AddImageAsync(Photo("intel__gauge-1.jpg"), "gauge.jpg");

        var (text1, first) = await AnswerAsync(session, Greedy("What does the gauge read?"));
        Assert.Equal([image.Id], (await session.GetAsync()).Turns[0].ImageIds); // defaulted to the upload since the last turn
        Assert.Equal(text1, first.Text);
        Assert.Equal((0, 1), (first.Timings!.VisionCacheHits, first.Timings.VisionEncodes));
        Assert.Equal(0, first.Usage!.CachedPromptTokens);

        var (_, second) = await AnswerAsync(session, Greedy("And the unit?"));
        // Turn 2's prompt starts with turn 1's prompt, all resident in the session's slot.
        Assert.True(second.Usage!.CachedPromptTokens >= first.Usage.PromptTokens,
            $"cached {second.Usage.CachedPromptTokens} of turn 1's {first.Usage.PromptTokens} prompt tokens");
        Assert.Equal((1, 0), (second.Timings!.VisionCacheHits, second.Timings.VisionEncodes));
        Assert.Equal([0, 1, 2, 3], (await session.GetAsync()).Turns.Select(t => t.Index));
        Assert.Equal(image.Id, Assert.Single(((ChatSessionGrain)session).HeldImageIds));
    }

    [Fact]
    public async Task The_ring_buffer_drops_the_oldest_turn_from_the_prompt_and_releases_its_image()
    {
        await using var bed = new SessionTestBed(fixture.Inference, new ChatSessionOptions { RecentTurns = 2 });
        var session = await bed.Sessions.CreateAsync("");
        var grain = (ChatSessionGrain)session;
        var toucan = await session.AddImageAsync(Photo("libpng__toucan.png"), null);
        await AnswerAsync(session, Greedy("alpha: what bird is this?"));
        var flower = await session.AddImageAsync(Photo("pillow__flower.webp"), null);
        var (answer2, _) = await AnswerAsync(session, Greedy("bravo: and this flower?"));
        // With 2 turns per prompt, the next prompt holds turn 2 and the new question: turn 1's image is already let go.
        Assert.Equal([flower.Id], grain.HeldImageIds);
        Assert.NotEqual(toucan.Id, flower.Id);

        var (_, third) = await AnswerAsync(session, Greedy("charlie: which colour is brighter?"));
        var prompt = string.Join("\n", grain.LastPrompt.SelectMany(m => m.Parts ?? []).OfType<TextContent>().Select(t => t.Text));
        Assert.DoesNotContain("alpha", prompt);
        Assert.Contains("bravo", prompt);
        Assert.Contains("charlie", prompt);
        Assert.Empty(grain.HeldImageIds); // the next prompt holds only turn 3 (no image): the flower is let go too

        // Independent count: the template + tokenizer over exactly turn 2 and the new question (no turn 1) gives the
        // prompt length the engine reported.
        var engine = fixture.Engine;
        var flowerImage = await engine.PrepareImageAsync(Photo("pillow__flower.webp"));
        var expected = engine.BuildRequest(
            [
                ChatMessage.User(new ImageContent(), new TextContent("bravo: and this flower?")),
                ChatMessage.Assistant(answer2),
                ChatMessage.User(new TextContent("charlie: which colour is brighter?")),
            ],
            [flowerImage], new GenerationSettings(), null);
        Assert.Equal(expected.Prompt.Count, third.Usage!.PromptTokens);
        Assert.Equal(6, (await session.GetAsync()).Turns.Count); // the store keeps every turn
    }

    [Fact]
    public async Task A_second_question_while_one_streams_is_refused_and_a_cancelled_turn_stores_nothing()
    {
        await using var bed = new SessionTestBed(fixture.Inference);
        var session = await bed.Sessions.CreateAsync("");
        using var cancel = new CancellationTokenSource();
        var first = session.AskAsync(Greedy("Tell me a long story.", maxTokens: 400), cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await first.MoveNextAsync()); // streaming now
        Assert.IsType<AskDelta>(first.Current);

        var second = session.AskAsync(Greedy("Another question")).GetAsyncEnumerator();
        var busy = await Assert.ThrowsAsync<SessionBusyException>(async () => await second.MoveNextAsync());
        Assert.Equal(session.Id, busy.SessionId);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            while (await first.MoveNextAsync()) { }
        });
        await first.DisposeAsync();
        Assert.Empty((await session.GetAsync()).Turns);

        // The slot is free and the session answers again.
        var (_, turn) = await AnswerAsync(session, Greedy("Are you still there?"));
        Assert.Equal(1, turn.Index);
        Assert.Equal(0, fixture.Engine.Worker.Statistics.Slots.Busy);
    }

    [Fact]
    public async Task Stopping_to_read_an_answer_cancels_it_and_stores_nothing()
    {
        await using var bed = new SessionTestBed(fixture.Inference);
        var session = await bed.Sessions.CreateAsync("");
        await foreach (var e in session.AskAsync(Greedy("Count to a thousand.", maxTokens: 400)))
            break; // like a closed connection: the enumerator is disposed mid-answer
        Assert.Empty((await session.GetAsync()).Turns);
        var (_, turn) = await AnswerAsync(session, Greedy("Hello?"));
        Assert.Equal("assistant", turn.Role);
    }

    [Fact]
    public async Task Sessions_are_visible_only_to_their_owner_and_share_one_actor_per_id()
    {
        await using var bed = new SessionTestBed(fixture.Inference);
        var mine = await bed.Sessions.CreateAsync("owner-a");
        Assert.Matches("^[0-9a-f]{32}$", mine.Id);
        await Assert.ThrowsAsync<SessionNotFoundException>(() => bed.Sessions.GetAsync(mine.Id, "owner-b"));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => bed.Sessions.GetAsync(mine.Id, ""));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => bed.Sessions.GetAsync(new string('0', 32), "owner-a"));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => bed.Sessions.GetAsync("../../etc/passwd", "owner-a"));
        Assert.Same(mine, await bed.Sessions.GetAsync(mine.Id, "owner-a"));

        // After a restart, concurrent first calls share one activation.
        await bed.RestartAsync();
        Assert.Equal(0, bed.Sessions.ActiveCount);
        var actors = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => bed.Sessions.GetAsync(mine.Id, "owner-a"))));
        Assert.All(actors, a => Assert.Same(actors[0], a));
        Assert.Equal(1, bed.Sessions.ActiveCount);
        await Assert.ThrowsAsync<SessionNotFoundException>(() => bed.Sessions.GetAsync(mine.Id, "owner-b"));
    }

    [Fact]
    public async Task An_idle_actor_is_deactivated_and_reactivates_from_the_store_with_its_turns()
    {
        // An hour's timeout: the sweep timer never fires during the test; the test moves the clock itself, so a
        // slow machine cannot deactivate the reactivated actor under the test's feet.
        var timeout = TimeSpan.FromHours(1);
        await using var bed = new SessionTestBed(fixture.Inference, new ChatSessionOptions { IdleTimeout = timeout });
        var session = await bed.Sessions.CreateAsync("");
        await session.AddImageAsync(Photo("sam__dog.jpg"), "dog.jpg");
        var (_, first) = await AnswerAsync(session, Greedy("What animal is this?"));
        var before = await session.GetAsync();

        bed.Directory.DeactivateIdle(now: Environment.TickCount64);
        Assert.Equal(1, bed.Sessions.ActiveCount); // used just now: not idle yet
        bed.Directory.DeactivateIdle(now: Environment.TickCount64 + (long)(2 * timeout).TotalMilliseconds);
        Assert.Equal(0, bed.Sessions.ActiveCount);
        Assert.Empty(((ChatSessionGrain)session).HeldImageIds); // embeddings let go with the activation

        var again = await bed.Sessions.GetAsync(session.Id, "");
        Assert.NotSame(session, again);
        var after = await again.GetAsync();
        Assert.Equal(Json(before.Turns), Json(after.Turns));
        Assert.Equal(Json(before.Images), Json(after.Images));

        // The follow-up's prompt holds turn 1 again (its image re-prepared from the stored bytes: a cache hit).
        var (_, second) = await AnswerAsync(again, Greedy("What colour is it?"));
        Assert.Equal(3, ((ChatSessionGrain)again).LastPrompt.Count);
        Assert.Equal((1, 0), (second.Timings!.VisionCacheHits, second.Timings.VisionEncodes));
        Assert.True(second.Usage!.PromptTokens > first.Usage!.PromptTokens);
        // A call on the old reference is forwarded to the live activation.
        Assert.Equal(4, (await session.GetAsync()).Turns.Count);
    }

    [Fact]
    public async Task A_session_survives_a_restart_and_unknown_images_and_empty_questions_are_refused()
    {
        await using var bed = new SessionTestBed(fixture.Inference);
        var session = await bed.Sessions.CreateAsync("k");
        var image = await session.AddImageAsync(Photo("llava__waterview.jpg"), "lake.jpg");
        await AnswerAsync(session, Greedy("Where is this?"));
        await Assert.ThrowsAsync<ImageNotFoundException>(async () => await AnswerAsync(session, Greedy("this?", imageIds: [new string('f', 64)])));
        await Assert.ThrowsAsync<ArgumentException>(async () => await AnswerAsync(session, Greedy("  ")));
        var before = await session.GetAsync();

        await bed.RestartAsync();
        var restored = await bed.Sessions.GetAsync(session.Id, "k");
        var after = await restored.GetAsync();
        Assert.Equal(Json(before.Turns), Json(after.Turns));
        Assert.Equal("lake.jpg", Assert.Single(after.Images).FileName);
        var (_, next) = await AnswerAsync(restored, Greedy("Is it sunny?", imageIds: [image.Id]));
        Assert.Equal([image.Id], (await restored.GetAsync()).Turns[2].ImageIds);
        Assert.Equal(3, next.Index);

        await restored.DeleteAsync();
        await Assert.ThrowsAsync<SessionNotFoundException>(() => bed.Sessions.GetAsync(session.Id, "k"));
        Assert.Equal(0, bed.Store.CountImageRows());
    }

    [Fact]
    public async Task When_history_overflows_a_slot_the_oldest_turns_leave_the_prompt_instead_of_failing()
    {
        var small = new Inference.InferenceGrain();
        await using var _ = small;
        small.Attach(VisionLanguageEngine.Load(new EngineOptions
        {
            ModelPath = TinyModelPackage.Folder,
            Variant = "fp32",
            SlotCount = 1,
            MaxSequenceLength = 150,
            DecoderThreads = 1,
            VisionThreads = 1,
            PreprocessingThreads = 1,
        }));
        await using var bed = new SessionTestBed(small);
        var session = await bed.Sessions.CreateAsync("");
        var image = await session.AddImageAsync(Photo("intel__gauge-1.jpg"), null);
        var (_, first) = await AnswerAsync(session, Greedy("Read the gauge."));
        Assert.True(2 * first.Usage!.PromptTokens + 6 > 150, $"the test needs two image turns to overflow 150 tokens ({first.Usage.PromptTokens} per turn)");

        var (_, second) = await AnswerAsync(session, Greedy("Read it again.", imageIds: [image.Id]));
        Assert.Single(((ChatSessionGrain)session).LastPrompt); // turn 1 left the prompt
        var expected = small.Engine.BuildRequest([ChatMessage.User(new ImageContent(), new TextContent("Read it again."))],
            [await small.Engine.PrepareImageAsync(Photo("intel__gauge-1.jpg"))], new GenerationSettings(), null);
        Assert.Equal(expected.Prompt.Count, second.Usage!.PromptTokens);
        var alone = await Assert.ThrowsAsync<GenerationRejectedException>(async () => await AnswerAsync(session, Greedy("Read it once more.", maxTokens: 200, imageIds: [image.Id])));
        Assert.Equal("context_length_exceeded", alone.Code); // the question alone cannot fit: refused, not trimmed
    }
}
