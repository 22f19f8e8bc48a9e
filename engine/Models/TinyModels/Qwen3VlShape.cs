namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>The hyper-parameters a Qwen3-VL preset fixes (QWEN_VL_FACTS.md §2.1 for 2b/4b).</summary>
internal sealed record Qwen3VlShape(
    int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int HeadDim, int[] MropeSection, double RopeTheta,
    int VisionHidden, int VisionIntermediate, int VisionDepth, int VisionHeads, int[] DeepstackIndexes, bool Tied)
{
    public const int Vocab = 151936;
    public const int PatchSize = 16;
    public const int TemporalPatchSize = 2;
    public const int MergeSize = 2;
    public const int PositionEmbeddings = 2304;

    public int OutHidden => Hidden;

    public static Qwen3VlShape For(TinyModelPreset preset) => preset switch
    {
        // head_dim 16 → 8 rotary frequencies; section [4,2,2] interleaves like [24,20,20] does for 64:
        // H at j=1,4, W at j=2,5, T at j=0,3,6,7. theta 10000 (not 5e6) so that with test-sized positions
        // (< 100) every frequency still rotates measurably and a wrong plane assignment shows up.
        TinyModelPreset.Tiny => new(64, 128, 3, 4, 2, 16, [4, 2, 2], 10_000, 32, 64, 4, 2, [1, 2, 3], Tied: true),
        TinyModelPreset.TwoB => new(2048, 6144, 28, 16, 8, 128, [24, 20, 20], 5_000_000, 1024, 4096, 24, 16, [5, 11, 17], Tied: true),
        TinyModelPreset.FourB => new(2560, 9728, 36, 32, 8, 128, [24, 20, 20], 5_000_000, 1024, 4096, 24, 16, [5, 11, 17], Tied: true),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, null),
    };
}
