using System.Numerics.Tensors;
using VLOrleans.Engine.Generation.Kv;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Generation.Runner;

/// <summary>
/// The state a batch of sessions is in when decoding starts, for timing decode steps: <c>rows</c> different text prompts
/// of <c>promptTokens</c> tokens each, prefilled through the scheduler (one chunk per prompt) into slots 0..rows−1, each
/// with its first token chosen greedily. Shared by the decode-step benchmark and <c>vl bench-steps</c>.
/// </summary>
public static class SyntheticDecodeBatch
{
    /// <summary>Token id j of prompt b: distinct across rows, inside every Qwen vocabulary's plain-text range.</summary>
    public static int TokenId(int row, int position) => 1000 + (row * 131 + position * 17) % 50_000;

    public static List<Sequence> Prefill(IModelRunner runner, QwenVlFamily family, int rows, int promptTokens, int maxSequenceLength)
    {
        var scheduler = new Scheduler(new KvSlotPool(rows), new SchedulerOptions { PrefillChunkTokens = promptTokens, MaxSequenceLength = maxSequenceLength });
        for (var b = 0; b < rows; b++)
        {
            var ids = Enumerable.Range(0, promptTokens).Select(i => TokenId(b, i)).ToArray();
            var rope = RopeIndex.Compute(family, ids);
            if (!scheduler.TryEnqueue(new Sequence(new GenerationRequest { Prompt = new PromptTokens(ids), PositionIds = rope.Positions, RopeDelta = rope.RopeDeltas[0] })))
                throw new InvalidOperationException("the scheduler refused a prompt");
        }
        var last = new float[runner.VocabSize];
        for (var plan = scheduler.Schedule([]); plan.Prefill is not null; plan = scheduler.Schedule([]))
        {
            runner.Prefill(plan.Prefill, plan.PrefillStart, plan.PrefillCount, last);
            scheduler.CompletePrefillChunk(plan);
            plan.Prefill.Generated.Add(TensorPrimitives.IndexOfMax(last));
        }
        List<Sequence> batch = [.. scheduler.Schedule([]).Decode];
        if (batch.Count != rows) throw new InvalidOperationException($"expected {rows} decoding sequences, got {batch.Count}");
        return batch;
    }
}
