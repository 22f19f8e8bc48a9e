using VLOrleans.Engine.Generation.Kv;

namespace VLOrleans.Engine.Tests.Generation;

public sealed class KvSlotPoolTests
{
    private static PromptTokens Tokens(params int[] ids) => new(ids);

    [Fact]
    public void A_sessions_next_turn_reuses_its_resident_prefix()
    {
        var pool = new KvSlotPool(2);
        Assert.True(pool.TryAcquire("s1", Tokens(1, 2, 3), out var slot, out var reuse));
        Assert.Equal(0, reuse);
        // Turn 1 processed 1,2,3 and generated 4,5.
        pool.Release(slot, Tokens(1, 2, 3, 4, 5));
        // Turn 2's prompt extends it: only 6,7 need prefill.
        Assert.True(pool.TryAcquire("s1", Tokens(1, 2, 3, 4, 5, 6, 7), out var again, out reuse));
        Assert.Same(slot, again);
        Assert.Equal(5, reuse);
        Assert.Equal(1, pool.Statistics.ResidentHits);
    }

    [Fact]
    public void Reuse_always_leaves_one_token_to_prefill()
    {
        var pool = new KvSlotPool(1);
        pool.TryAcquire("s", Tokens(1, 2, 3), out var slot, out _);
        pool.Release(slot, Tokens(1, 2, 3));
        pool.TryAcquire("s", Tokens(1, 2, 3), out _, out var reuse);
        Assert.Equal(2, reuse);
    }

    [Fact]
    public void Same_pad_token_over_a_different_image_is_not_reused()
    {
        var pool = new KvSlotPool(1);
        var first = new PromptTokens([10, 151655, 151655, 11], [0, 7, 7, 0]);
        pool.TryAcquire("s", first, out var slot, out _);
        pool.Release(slot, first);
        var otherImage = new PromptTokens([10, 151655, 151655, 11, 12], [0, 9, 9, 0, 0]);
        pool.TryAcquire("s", otherImage, out _, out var reuse);
        Assert.Equal(1, reuse);
    }

    [Fact]
    public void Another_session_never_sees_a_resident_prefix_and_evicts_least_recently_used()
    {
        var pool = new KvSlotPool(2);
        pool.TryAcquire("a", Tokens(1, 2), out var a, out _);
        pool.TryAcquire("b", Tokens(1, 2), out var b, out _);
        pool.Release(a, Tokens(1, 2, 3));
        pool.Release(b, Tokens(1, 2, 3));
        // c has the same tokens but is another session: no reuse; a (older release) is evicted.
        Assert.True(pool.TryAcquire("c", Tokens(1, 2, 3, 4), out var c, out var reuse));
        Assert.Equal(0, reuse);
        Assert.Same(a, c);
        Assert.Equal(1, pool.Statistics.Evictions);
        // b's KV is still resident.
        pool.TryAcquire("b", Tokens(1, 2, 3, 4), out var b2, out reuse);
        Assert.Same(b, b2);
        Assert.Equal(3, reuse);
    }

    [Fact]
    public void All_busy_refuses_and_a_released_slot_without_residency_is_wiped()
    {
        var pool = new KvSlotPool(1);
        Assert.True(pool.TryAcquire("a", Tokens(1), out var slot, out _));
        Assert.False(pool.TryAcquire("b", Tokens(1), out _, out _));
        pool.Release(slot, resident: null); // e.g. cancelled
        Assert.True(pool.TryAcquire("a", Tokens(1, 2), out _, out var reuse));
        Assert.Equal(0, reuse);
        Assert.Throws<InvalidOperationException>(() => { pool.Release(slot, null); pool.Release(slot, null); });
    }

    [Theory]
    // Qwen3-VL-2B, fp32 KV, 4,096 tokens: 28 layers × 2 × 8 heads × 4096 × 128 × 4 B = 939,524,096 B per slot.
    [InlineData(4_000_000_000L, 939_524_096L, 16, 4)]
    [InlineData(100L, 939_524_096L, 16, 1)]
    [InlineData(100_000_000_000L, 939_524_096L, 16, 16)]
    public void Slot_count_follows_the_memory_budget(long budget, long perSlot, int max, int expected) =>
        Assert.Equal(expected, KvSlotPool.SlotCountFor(budget, perSlot, max));
}
