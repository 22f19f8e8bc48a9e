using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Kv;

namespace VLOrleans.Engine.Tests.Generation;

public sealed class SchedulerTests
{
    private static Sequence Seq(int promptLength, string? session = null, CancellationToken ct = default)
    {
        var ids = Enumerable.Range(1, promptLength).ToArray();
        return new Sequence(new GenerationRequest { SessionKey = session, Prompt = new PromptTokens(ids), PositionIds = new long[3 * promptLength], RopeDelta = 0 }, ct);
    }

    private static Scheduler Make(int slots, int chunk = 4, int maxWaiting = 8) =>
        new(new KvSlotPool(slots), new SchedulerOptions { PrefillChunkTokens = chunk, MaxWaiting = maxWaiting });

    [Fact]
    public void A_long_prompt_is_prefilled_in_bounded_chunks_while_others_decode()
    {
        var scheduler = Make(slots: 2, chunk: 4);
        var shortOne = Seq(3);
        var longOne = Seq(10);
        scheduler.TryEnqueue(shortOne);
        scheduler.TryEnqueue(longOne);
        var cancelled = new List<Sequence>();

        var plan = scheduler.Schedule(cancelled);
        Assert.Same(shortOne, plan.Prefill);
        Assert.Equal((0, 3), (plan.PrefillStart, plan.PrefillCount));
        Assert.True(plan.PrefillCompletesPrompt);
        scheduler.CompletePrefillChunk(plan);
        shortOne.Generated.Add(99);

        // long prompt: chunks 0..4, 4..8, 8..10, each step also decoding the short one
        foreach (var (start, count) in new[] { (0, 4), (4, 4), (8, 2) })
        {
            plan = scheduler.Schedule(cancelled);
            Assert.Equal([shortOne], plan.Decode);
            Assert.Same(longOne, plan.Prefill);
            Assert.Equal((start, count), (plan.PrefillStart, plan.PrefillCount));
            Assert.Equal(start + count == 10, plan.PrefillCompletesPrompt);
            scheduler.CompletePrefillChunk(plan);
        }
        plan = scheduler.Schedule(cancelled);
        Assert.Null(plan.Prefill);
        Assert.Equal(2, plan.Decode.Count);
    }

    [Fact]
    public void Waiting_queue_full_refuses_at_once()
    {
        var scheduler = Make(slots: 1, maxWaiting: 2);
        Assert.True(scheduler.TryEnqueue(Seq(2)));
        Assert.True(scheduler.TryEnqueue(Seq(2)));
        Assert.False(scheduler.TryEnqueue(Seq(2)));
        // Admission frees a waiting place.
        scheduler.Schedule([]);
        Assert.True(scheduler.TryEnqueue(Seq(2)));
    }

    [Fact]
    public void More_requests_than_slots_wait_until_a_slot_is_released()
    {
        var scheduler = Make(slots: 1);
        var a = Seq(2);
        var b = Seq(2);
        scheduler.TryEnqueue(a);
        scheduler.TryEnqueue(b);
        var plan = scheduler.Schedule([]);
        Assert.Same(a, plan.Prefill);
        Assert.Equal(SequenceState.Waiting, b.State);
        scheduler.CompletePrefillChunk(plan);
        scheduler.Finish(a, null);
        plan = scheduler.Schedule([]);
        Assert.Same(b, plan.Prefill);
    }

    [Fact]
    public void Cancelled_sequences_leave_and_free_their_slot_whether_waiting_prefilling_or_decoding()
    {
        var scheduler = Make(slots: 2, chunk: 2);
        using var cancelPrefill = new CancellationTokenSource();
        using var cancelWaiting = new CancellationTokenSource();
        var prefilling = Seq(6, ct: cancelPrefill.Token);
        var decoding = Seq(1);
        var waiting = Seq(1, ct: cancelWaiting.Token);
        scheduler.TryEnqueue(decoding);
        scheduler.TryEnqueue(prefilling);
        scheduler.TryEnqueue(waiting);
        var plan = scheduler.Schedule([]);
        scheduler.CompletePrefillChunk(plan); // decoding's 1-token prompt done
        decoding.Generated.Add(5);
        plan = scheduler.Schedule([]);
        Assert.Same(prefilling, plan.Prefill);
        scheduler.CompletePrefillChunk(plan); // mid-prefill

        cancelPrefill.Cancel();
        cancelWaiting.Cancel();
        var cancelled = new List<Sequence>();
        plan = scheduler.Schedule(cancelled);
        Assert.Equal([prefilling, waiting], cancelled.OrderBy(s => s.Id));
        Assert.All(cancelled, s => Assert.Equal(SequenceState.Finished, s.State));
        Assert.Null(prefilling.Slot);
        Assert.Equal(1, scheduler.Slots.Statistics.Busy);
        Assert.Equal([decoding], plan.Decode);
    }

    [Fact]
    public void A_sessions_second_turn_prefills_only_its_new_tokens()
    {
        var scheduler = Make(slots: 1, chunk: 100);
        var turn1 = Seq(5, session: "s");
        scheduler.TryEnqueue(turn1);
        var plan = scheduler.Schedule([]);
        scheduler.CompletePrefillChunk(plan);
        turn1.Generated.AddRange([50, 51]);
        scheduler.Finish(turn1, turn1.Request.Prompt.Append([50, 51]));

        var ids = new[] { 1, 2, 3, 4, 5, 50, 51, 60, 61, 62 };
        var turn2 = new Sequence(new GenerationRequest { SessionKey = "s", Prompt = new PromptTokens(ids), PositionIds = new long[30], RopeDelta = 0 });
        scheduler.TryEnqueue(turn2);
        plan = scheduler.Schedule([]);
        Assert.Equal((7, 3), (plan.PrefillStart, plan.PrefillCount));
        Assert.Equal(7, turn2.PromptReused);
    }
}
