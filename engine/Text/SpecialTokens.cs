namespace VLOrleans.Engine.Text;

/// <summary>
/// Ids and texts of the Qwen2/2.5/3-VL added tokens (QWEN_VL_FACTS.md §3; identical in all three families).
/// Regular byte-level BPE tokens are 0..151642; these follow at 151643..151668.
/// </summary>
public static class SpecialTokens
{
    public const int EndOfText = 151643;       // <|endoftext|>: pad, bos in generation_config, also a stop token
    public const int ImStart = 151644;         // <|im_start|>
    public const int ImEnd = 151645;           // <|im_end|>: eos of the chat models
    public const int ObjectRefStart = 151646;
    public const int ObjectRefEnd = 151647;
    public const int BoxStart = 151648;
    public const int BoxEnd = 151649;
    public const int QuadStart = 151650;
    public const int QuadEnd = 151651;
    public const int VisionStart = 151652;     // <|vision_start|>
    public const int VisionEnd = 151653;       // <|vision_end|>
    public const int VisionPad = 151654;
    public const int ImagePad = 151655;        // <|image_pad|>: one per merged image patch after expansion
    public const int VideoPad = 151656;        // <|video_pad|>
    public const int ToolCallStart = 151657;   // <tool_call>
    public const int ToolCallEnd = 151658;     // </tool_call>
    public const int ToolResponseStart = 151665; // <tool_response>
    public const int ToolResponseEnd = 151666;   // </tool_response>
    public const int ThinkStart = 151667;      // <think>
    public const int ThinkEnd = 151668;        // </think>

    /// <summary>Number of regular BPE tokens (ids 0..151642).</summary>
    public const int RegularVocabularyCount = 151643;

    public const string ImagePadText = "<|image_pad|>";
    public const string VideoPadText = "<|video_pad|>";
    public const string VisionStartText = "<|vision_start|>";
    public const string VisionEndText = "<|vision_end|>";
    public const string ImStartText = "<|im_start|>";
    public const string ImEndText = "<|im_end|>";

    /// <summary>
    /// The 26 added tokens every Qwen-VL tokenizer carries (id, text, special). "special" follows the Qwen3
    /// tokenizer.json: the chat/vision markers are special, the tool/fim/think markers are not (they still
    /// match as whole tokens in text; the flag only matters for decoding with special tokens skipped).
    /// A loaded tokenizer gains any of these its files lack.
    /// </summary>
    public static IReadOnlyList<(int Id, string Text, bool IsSpecial)> QwenVlAddedTokens { get; } =
    [
        (151643, "<|endoftext|>", true), (151644, "<|im_start|>", true), (151645, "<|im_end|>", true),
        (151646, "<|object_ref_start|>", true), (151647, "<|object_ref_end|>", true),
        (151648, "<|box_start|>", true), (151649, "<|box_end|>", true),
        (151650, "<|quad_start|>", true), (151651, "<|quad_end|>", true),
        (151652, "<|vision_start|>", true), (151653, "<|vision_end|>", true), (151654, "<|vision_pad|>", true),
        (151655, "<|image_pad|>", true), (151656, "<|video_pad|>", true),
        (151657, "<tool_call>", false), (151658, "</tool_call>", false),
        (151659, "<|fim_prefix|>", false), (151660, "<|fim_middle|>", false), (151661, "<|fim_suffix|>", false),
        (151662, "<|fim_pad|>", false), (151663, "<|repo_name|>", false), (151664, "<|file_sep|>", false),
        (151665, "<tool_response>", false), (151666, "</tool_response>", false),
        (151667, "<think>", false), (151668, "</think>", false),
    ];

    /// <summary>True for the ids that end a chat answer (151645 im_end, 151643 endoftext).</summary>
    public static bool IsStop(int id) => id is ImEnd or EndOfText;
}
