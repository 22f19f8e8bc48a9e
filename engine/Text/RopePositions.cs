namespace VLOrleans.Engine.Text;

/// <summary>
/// Prefill position ids for M-RoPE: <see cref="Positions"/> is the decoder's <c>position_ids</c> input laid out
/// [3, B, S] row-major (plane 0 = temporal, 1 = height, 2 = width), <see cref="RopeDeltas"/> one per row
/// (max position + 1 − S; add it to the cache length to get decode positions, see <see cref="RopeIndex.DecodePosition"/>).
/// Padded slots (mask 0) hold 1, as in Hugging Face.
/// </summary>
public sealed class RopePositions(long[] positions, long[] ropeDeltas, int batchSize, int sequenceLength)
{
    public long[] Positions { get; } = positions;

    public long[] RopeDeltas { get; } = ropeDeltas;

    public int BatchSize { get; } = batchSize;

    public int SequenceLength { get; } = sequenceLength;

    /// <summary>Position on plane <paramref name="plane"/> (0 T, 1 H, 2 W) of row <paramref name="row"/>, slot <paramref name="index"/>.</summary>
    public long this[int plane, int row, int index] => Positions[((long)plane * BatchSize + row) * SequenceLength + index];
}
