namespace VLOrleans.Engine.Generation;

/// <summary>One loop step's work: a decode batch (one token for every generating sequence) and at most one
/// prefill chunk [<see cref="PrefillStart"/>, +<see cref="PrefillCount"/>) of one sequence's prompt.</summary>
public sealed record StepPlan(IReadOnlyList<Sequence> Decode, Sequence? Prefill, int PrefillStart, int PrefillCount)
{
    public bool IsEmpty => Decode.Count == 0 && Prefill is null;

    /// <summary>True when this chunk ends the prompt, so its last logits give the first answer token.</summary>
    public bool PrefillCompletesPrompt => Prefill is not null && PrefillStart + PrefillCount == Prefill.PromptLength;
}
