namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// Sizes of the tiny models written in the onnx-community layout. The vocabulary is the real one (151936 rows) so the
/// real Qwen tokenizer works; everything else is as small as keeps each mechanism visible: head_dim 16 gives 8 rotary
/// frequencies, split [2,3,3] for the chunked families (the released [16,24,24] scaled by 1/8) and [4,2,2] interleaved
/// for Qwen3-VL ([24,20,20] scaled; only sections 1 and 2 are read); 2 query heads over 1 KV head exercise GQA.
/// </summary>
public sealed record OnnxCommunityTinyShape(QwenVlFamily Family)
{
    public const int Vocab = 151936;
    public int Hidden => 32;
    public int Intermediate => 64;
    public int Layers => 2;
    public int Heads => 2;
    public int KvHeads => 1;
    public int HeadDim => 16;
    public int[] MropeSection => Family == QwenVlFamily.Qwen3Vl ? [4, 2, 2] : [2, 3, 3];
    public double RopeTheta => Family == QwenVlFamily.Qwen3Vl ? 5_000_000 : 1_000_000;
    public double RmsNormEps => 1e-6;

    public int VisionHidden => 32;
    public int VisionHeads => 2;
    public int VisionHeadDim => VisionHidden / VisionHeads;
    public int VisionDepth => 2;
    public int VisionIntermediate => 64;
    public int PatchSize => Family == QwenVlFamily.Qwen3Vl ? 16 : 14;
    public int TemporalPatchSize => 2;
    public int MergeSize => 2;
    public int PatchRowLength => 3 * TemporalPatchSize * PatchSize * PatchSize;
}
