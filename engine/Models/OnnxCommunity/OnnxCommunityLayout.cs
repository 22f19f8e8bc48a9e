namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// The onnx-community / transformers.js folder layout (facts from transformers.js 4.3.1,
/// <c>src/models/session_config.js</c> MODEL_TYPES.ImageTextToText and <c>src/utils/dtypes.js</c>
/// DEFAULT_DTYPE_SUFFIX_MAPPING): three graphs under <c>onnx/</c>, each as <c>{session}{suffix}.onnx</c> where the
/// suffix names the dtype ("" fp32, "_fp16", "_int8", "_uint8", "_quantized" q8, "_q4", "_q4f16", "_bnb4"), plus
/// the Hugging Face config, preprocessor, generation and tokenizer files at the top. Large graphs keep their weights
/// in <c>{file}_data</c> shards beside them (ONNX Runtime resolves them from the graph's own references).
/// </summary>
public static class OnnxCommunityLayout
{
    public const string VisionSession = "vision_encoder";
    public const string EmbedSession = "embed_tokens";
    public const string DecoderSession = "decoder_model_merged";

    /// <summary>The layout's name in status reports.</summary>
    public const string Name = "onnx-community";

    /// <summary>dtype → file-name suffix, in the order we prefer them (most precise first).</summary>
    public static readonly IReadOnlyList<(string Dtype, string Suffix)> Dtypes =
    [
        ("fp32", ""), ("fp16", "_fp16"), ("q8", "_quantized"), ("int8", "_int8"), ("uint8", "_uint8"),
        ("q4", "_q4"), ("q4f16", "_q4f16"), ("bnb4", "_bnb4"),
    ];

    /// <summary>
    /// The vision encoder's grid input: transformers.js names it <c>grid_thw</c> for Qwen2-VL and <c>image_grid_thw</c>
    /// for Qwen2.5-VL and Qwen3-VL (<c>image_grid_thw_name</c> in modeling_qwen2_vl.js / modeling_qwen2_5_vl.js).
    /// </summary>
    public static string GridInputName(QwenVlFamily family) => family == QwenVlFamily.Qwen2Vl ? "grid_thw" : "image_grid_thw";

    /// <summary>True when <paramref name="folder"/> holds <c>onnx/decoder_model_merged*.onnx</c> and no package manifest
    /// of our own (our converter's <c>onnx/manifest.json</c> wins when both are present).</summary>
    public static bool IsLayout(string folder)
    {
        var onnx = Path.Combine(folder, "onnx");
        if (!Directory.Exists(onnx) || File.Exists(Path.Combine(onnx, "manifest.json"))) return false;
        return Dtypes.Any(d => File.Exists(FilePath(folder, DecoderSession, d.Dtype)));
    }

    public static string FileName(string session, string dtype) => session + Suffix(dtype) + ".onnx";

    public static string FilePath(string folder, string session, string dtype) => Path.Combine(folder, "onnx", FileName(session, dtype));

    public static string Suffix(string dtype)
    {
        foreach (var (name, suffix) in Dtypes)
        {
            if (name == dtype) return suffix;
        }
        throw new ModelLoadException($"dtype '{dtype}' is not one transformers.js names ({string.Join(", ", Dtypes.Select(d => d.Dtype))})");
    }

    /// <summary>The dtypes for which all three graphs are present, most precise first.</summary>
    public static IReadOnlyList<string> CompleteDtypes(string folder) =>
        Dtypes.Select(d => d.Dtype)
            .Where(d => new[] { VisionSession, EmbedSession, DecoderSession }.All(s => File.Exists(FilePath(folder, s, d))))
            .ToArray();
}
