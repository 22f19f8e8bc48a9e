using VLOrleans.Engine.Models.Package;

namespace VLOrleans.Engine.Models.OnnxCommunity;

/// <summary>
/// Opens an onnx-community / transformers.js model folder as a <see cref="ModelPackage"/>: the manifest our converter
/// would write is built in memory from the files present, so the rest of the engine (variant choice, status) reads
/// one shape. Its <see cref="ModelPackageManifest.Format"/> is <see cref="OnnxCommunityLayout.Name"/>, and it declares
/// no DeepStack: the published exports' vision encoders return only <c>image_features</c> and transformers.js feeds
/// the decoder only <c>inputs_embeds</c>, <c>attention_mask</c>, <c>position_ids</c> and the past (4.3.1,
/// modeling_utils.js generic_text_to_text_forward), so Qwen3-VL served from this layout runs without DeepStack.
/// </summary>
public static class OnnxCommunityPackage
{
    /// <exception cref="ModelLoadException">No config, or no dtype with all three graphs present.</exception>
    public static ModelPackage Open(string folder)
    {
        if (!Directory.Exists(folder)) throw new ModelLoadException($"{folder}: model folder not found");
        var config = QwenVlConfig.Load(folder);
        var dtypes = OnnxCommunityLayout.CompleteDtypes(folder);
        if (dtypes.Count == 0)
        {
            throw new ModelLoadException($"{folder}: an onnx-community folder needs onnx/{OnnxCommunityLayout.VisionSession}, " +
                $"onnx/{OnnxCommunityLayout.EmbedSession} and onnx/{OnnxCommunityLayout.DecoderSession} of one dtype " +
                $"(suffixes: {string.Join(", ", OnnxCommunityLayout.Dtypes.Select(d => d.Suffix.Length == 0 ? "none" : d.Suffix))})");
        }
        RequiredModelFiles.CheckModel(folder);
        return ModelPackage.FromManifest(folder, config, Manifest(config, dtypes));
    }

    private static ModelPackageManifest Manifest(QwenVlConfig config, IReadOnlyList<string> dtypes)
    {
        var t = config.Text;
        var v = config.Vision;
        string[] kvShape = ["batch_size", t.KeyValueHeadCount.ToString(System.Globalization.CultureInfo.InvariantCulture), "past_sequence_length", t.HeadDim.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var decoderInputs = new List<GraphTensorEntry>
        {
            new(GraphNames.InputsEmbeds, "float32", ["batch_size", "sequence_length", t.HiddenSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            new(GraphNames.AttentionMask, "int64", ["batch_size", "total_sequence_length"]),
            new(GraphNames.PositionIds, "int64", ["3", "batch_size", "sequence_length"]),
        };
        var decoderOutputs = new List<GraphTensorEntry> { new(GraphNames.Logits, "float32", ["batch_size", "sequence_length", t.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]) };
        for (var i = 0; i < t.LayerCount; i++)
        {
            decoderInputs.Add(new(GraphNames.PastKey(i), "float32", kvShape));
            decoderInputs.Add(new(GraphNames.PastValue(i), "float32", kvShape));
            decoderOutputs.Add(new(GraphNames.PresentKey(i), "float32", [.. kvShape[..2], "total_sequence_length", kvShape[3]]));
            decoderOutputs.Add(new(GraphNames.PresentValue(i), "float32", [.. kvShape[..2], "total_sequence_length", kvShape[3]]));
        }
        var variants = new Dictionary<string, VariantEntry>(StringComparer.Ordinal);
        foreach (var dtype in dtypes)
        {
            variants[dtype] = new VariantEntry
            {
                Weights = dtype,
                LmHead = dtype,
                Vision = OnnxCommunityLayout.FileName(OnnxCommunityLayout.VisionSession, dtype),
                Decoder = OnnxCommunityLayout.FileName(OnnxCommunityLayout.DecoderSession, dtype),
            };
        }
        return new ModelPackageManifest
        {
            Format = OnnxCommunityLayout.Name,
            Family = ModelPackage.FamilyName(config.Family),
            EmbedTokens = new EmbeddingTableEntry(OnnxCommunityLayout.FileName(OnnxCommunityLayout.EmbedSession, dtypes[0]), GraphNames.InputsEmbeds, dtypes[0], t.VocabSize, t.HiddenSize),
            Vision = new VisionGraphEntry
            {
                Inputs =
                [
                    new(GraphNames.PixelValues, "float32", ["num_patches", v.PatchRowLength.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
                    new(OnnxCommunityLayout.GridInputName(config.Family), "int64", ["num_images", "3"]),
                ],
                Outputs = [new(GraphNames.ImageFeatures, "float32", ["num_image_tokens", v.OutHiddenSize.ToString(System.Globalization.CultureInfo.InvariantCulture)])],
                DeepstackCount = 0,
                SpatialMergeSize = v.SpatialMergeSize,
                PatchRowLength = v.PatchRowLength,
            },
            Decoder = new DecoderGraphEntry
            {
                Inputs = [.. decoderInputs],
                Outputs = [.. decoderOutputs],
                LayerCount = t.LayerCount,
                HiddenSize = t.HiddenSize,
                AttentionHeadCount = t.AttentionHeadCount,
                KeyValueHeadCount = t.KeyValueHeadCount,
                HeadDim = t.HeadDim,
                VocabSize = t.VocabSize,
                DeepstackCount = 0,
                KvLayout = "past_present",
                Logits = "all_positions",
                Attention = "as exported",
            },
            Variants = variants,
        };
    }
}
