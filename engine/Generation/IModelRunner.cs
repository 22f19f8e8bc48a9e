namespace VLOrleans.Engine.Generation;

/// <summary>
/// The device side of a worker: owns the model sessions and the KV buffers (one row per
/// <see cref="Kv.KvSlot"/>). Called only from the worker thread. It never touches queues; the scheduler
/// never touches tensors (STYLE.md §1.2).
/// </summary>
public interface IModelRunner : IDisposable
{
    /// <summary>Logits per row.</summary>
    int VocabSize { get; }

    /// <summary>
    /// Runs prompt tokens [<paramref name="start"/>, +<paramref name="count"/>) of <paramref name="sequence"/> into
    /// its slot (tokens before <paramref name="start"/> are already there). When <paramref name="lastLogits"/> is
    /// not empty, writes the logits of the chunk's last position into it.
    /// </summary>
    void Prefill(Sequence sequence, int start, int count, Span<float> lastLogits);

    /// <summary>One decode step for every sequence in <paramref name="batch"/>: feeds each one's newest generated
    /// token at its <see cref="Sequence.NextDecodePosition"/> and writes the logits row-major [batch, vocab].</summary>
    void Decode(IReadOnlyList<Sequence> batch, Span<float> logits);
}

/// <summary>Turns a sequence's token ids into text deltas (UTF-8 safe). One per sequence.</summary>
public interface ITokenStreamDecoder
{
    string Push(int tokenId);

    string Flush();
}
