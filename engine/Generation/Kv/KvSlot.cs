namespace VLOrleans.Engine.Generation.Kv;

/// <summary>
/// One row of the worker's KV buffers. Bookkeeping only — the model runner owns the memory; this records
/// who may reuse what is in it. Mutated only by <see cref="KvSlotPool"/>, under its lock.
/// </summary>
public sealed class KvSlot
{
    internal KvSlot(int index) => Index = index;

    /// <summary>Row of the KV buffers (0-based).</summary>
    public int Index { get; }

    /// <summary>The session whose conversation the KV holds, kept after its turn so the next turn reuses it.</summary>
    public string? Owner { get; internal set; }

    /// <summary>The tokens whose keys and values are in the slot, in order (valid while not busy).</summary>
    public PromptTokens Resident { get; internal set; } = PromptTokens.Empty;

    public bool IsBusy { get; internal set; }

    internal long LastUsed { get; set; }
}
