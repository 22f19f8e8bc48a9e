namespace VLOrleans.Engine.Generation.Kv;

/// <summary>
/// The fixed set of KV slots of one inference worker. A sequence takes a slot for its whole life; when it
/// ends, the slot keeps its KV under the session's name so that session's next turn prefills only its new
/// tokens. A slot is evicted (its KV forgotten) only when a sequence needs a slot and none is free and
/// unowned — least recently used first. Thread-safe.
/// </summary>
public sealed class KvSlotPool
{
    private readonly Lock _gate = new();
    private readonly KvSlot[] _slots;
    private long _clock;
    private long _evictions;
    private long _residentHits;

    public KvSlotPool(int slotCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotCount);
        _slots = Enumerable.Range(0, slotCount).Select(i => new KvSlot(i)).ToArray();
    }

    public int SlotCount => _slots.Length;

    /// <summary>How many slots fit a memory budget (at least 1, at most <paramref name="maxSlots"/>).</summary>
    /// <param name="bytesPerSlot">layers × 2 (K and V) × kv heads × max length × head dim × bytes per element.</param>
    public static int SlotCountFor(long budgetBytes, long bytesPerSlot, int maxSlots)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSlot);
        return (int)Math.Clamp(budgetBytes / bytesPerSlot, 1, maxSlots);
    }

    public KvPoolStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new KvPoolStatistics(_slots.Length, _slots.Count(s => s.IsBusy), _slots.Count(s => !s.IsBusy && s.Owner is not null), _evictions, _residentHits);
            }
        }
    }

    /// <summary>
    /// Takes a slot for a sequence of <paramref name="owner"/> (null for a stateless request) whose full
    /// prompt is <paramref name="prompt"/>. Prefers the owner's own resident slot, then a free unowned slot,
    /// then evicts the least recently used free slot. Returns false when every slot is busy.
    /// </summary>
    /// <param name="reusableTokens">Leading prompt tokens whose KV is already in the slot; always leaves at
    /// least one token to prefill, because the last one's logits are needed.</param>
    public bool TryAcquire(string? owner, PromptTokens prompt, out KvSlot slot, out int reusableTokens)
    {
        lock (_gate)
        {
            KvSlot? chosen = null;
            if (owner is not null) chosen = _slots.FirstOrDefault(s => !s.IsBusy && s.Owner == owner);
            chosen ??= _slots.Where(s => !s.IsBusy && s.Owner is null).MinBy(s => s.LastUsed);
            if (chosen is null)
            {
                chosen = _slots.Where(s => !s.IsBusy).MinBy(s => s.LastUsed);
                if (chosen is not null && chosen.Owner is not null) _evictions++;
                if (chosen is not null) Forget(chosen);
            }
            if (chosen is null)
            {
                slot = null!;
                reusableTokens = 0;
                return false;
            }
            reusableTokens = chosen.Owner == owner && owner is not null
                ? Math.Min(PromptTokens.CommonPrefixLength(chosen.Resident, prompt), prompt.Count - 1)
                : 0;
            if (reusableTokens > 0) _residentHits++;
            reusableTokens = Math.Max(reusableTokens, 0);
            chosen.IsBusy = true;
            chosen.Owner = owner;
            chosen.LastUsed = ++_clock;
            slot = chosen;
            return true;
        }
    }

    /// <summary>
    /// Returns a slot. With <paramref name="resident"/> the KV of those tokens stays for the owner's next
    /// turn; without (cancelled, failed, stateless) the slot is wiped.
    /// </summary>
    public void Release(KvSlot slot, PromptTokens? resident)
    {
        lock (_gate)
        {
            if (!slot.IsBusy) throw new InvalidOperationException($"slot {slot.Index} is not in use");
            slot.IsBusy = false;
            slot.LastUsed = ++_clock;
            if (resident is null || slot.Owner is null) Forget(slot);
            else slot.Resident = resident;
        }
    }

    /// <summary>Drops a session's resident KV (session deleted or its history rewritten).</summary>
    public void ForgetOwner(string owner)
    {
        lock (_gate)
        {
            foreach (var slot in _slots)
            {
                if (!slot.IsBusy && slot.Owner == owner) Forget(slot);
            }
        }
    }

    private static void Forget(KvSlot slot)
    {
        slot.Owner = null;
        slot.Resident = PromptTokens.Empty;
    }
}

/// <summary>Counters for /metrics: slots in use, slots holding a session's KV between turns, evictions, reuses.</summary>
public readonly record struct KvPoolStatistics(int Slots, int Busy, int Resident, long Evictions, long ResidentHits);
