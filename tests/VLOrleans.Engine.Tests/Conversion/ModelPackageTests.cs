using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Conversion;

/// <summary>Package layout and manifest, variants added by repeated conversion, both checkpoint namings, and clear
/// <see cref="ModelLoadException"/>s for bad input.</summary>
public sealed class ModelPackageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vlo-package-" + Guid.NewGuid().ToString("N"));

    public ModelPackageTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void PackageHoldsCopiedFilesGraphsEmbeddingTableAndManifest()
    {
        var package = TinyPackage.Package;
        Assert.Equal(["fp16", "fp32", "int4", "int8", "w8a8"], package.VariantNames.Order(StringComparer.Ordinal));
        foreach (var name in new[] { "config.json", "preprocessor_config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(package.Folder, name)), name);
        var m = package.Manifest;
        Assert.Equal("qwen3_vl", m.Family);
        Assert.Equal(new EmbeddingTableEntry("embed_tokens.safetensors", "embed_tokens", "BF16", 151936, 64), m.EmbedTokens);
        using (var table = EmbeddingTable.Open(package.EmbedTokensPath)) Assert.Equal((151936, 64), (table.RowCount, table.Width));

        // Decoder I/O: 4 + 2·layers inputs, 1 + 2·layers outputs, exact names and shapes.
        Assert.Equal(3, m.Decoder.LayerCount);
        Assert.Equal(3, m.Decoder.DeepstackCount);
        Assert.Equal(
            ["inputs_embeds", "per_layer_inputs", "position_ids", "attention_mask", "past_key_values.0.key", "past_key_values.0.value",
             "past_key_values.1.key", "past_key_values.1.value", "past_key_values.2.key", "past_key_values.2.value"],
            m.Decoder.Inputs.Select(i => i.Name));
        Assert.Equal(["3", "batch_size", "sequence_length"], m.Decoder.Inputs[2].Shape);
        Assert.Equal(["batch_size", "sequence_length", "192"], m.Decoder.Inputs[1].Shape); // D·H = 3·64
        AssertEntry(m.Decoder.Outputs[0], "logits", "float32", "batch_size", "1", "151936");
        AssertEntry(m.Decoder.Outputs[^1], "present.2.value", "float32", "batch_size", "2", "max_sequence_length", "16");
        AssertEntry(m.Decoder.Inputs[3], "attention_mask", "int64", "batch_size", "total_sequence_length");

        // Vision I/O: pixel_values, grid, 5 aux inputs → image_features + 3 DeepStack features.
        Assert.Equal(["pixel_values", "image_grid_thw", "pos_embed_indices", "pos_embed_weights", "rotary_cos", "rotary_sin", "attention_segment_ids"],
            m.Vision.Inputs.Select(i => i.Name));
        Assert.Equal(["image_features", "deepstack_features_0", "deepstack_features_1", "deepstack_features_2"], m.Vision.Outputs.Select(o => o.Name));
        Assert.Equal(1536, m.Vision.PatchRowLength);
        Assert.Contains("rotary_cos", m.Vision.AuxInputs.Keys);

        Assert.Equal(32, m.Variants["int4"].BlockSize);
        Assert.Null(m.Variants["fp32"].BlockSize);
        // w8a8 keeps the LM head and mergers in int8 MatMulNBits by default, so its block size is recorded too.
        Assert.Equal("int8", m.Variants["w8a8"].LmHead);
        Assert.Equal(32, m.Variants["w8a8"].BlockSize);
        Assert.Equal("int4", package.ChooseVariant());
        Assert.Equal("fp16", package.ChooseVariant("fp16"));
    }

    [Fact]
    public void ConvertingAgainAddsAVariantAndKeepsTheFirst()
    {
        var to = Path.Combine(_folder, "pkg");
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, to, new ConversionOptions { Weights = WeightFormat.Int8 });
        Assert.Equal(["int8"], ModelPackage.Open(to).VariantNames);
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, to, new ConversionOptions { Weights = WeightFormat.Fp16, LmHead = WeightFormat.Fp32 });
        var package = ModelPackage.Open(to);
        Assert.Equal(["fp16", "int8"], package.VariantNames.Order(StringComparer.Ordinal));
        Assert.Equal("fp32", package.Variant("fp16").LmHead);
        Assert.True(File.Exists(package.DecoderPath("int8")) && File.Exists(package.DecoderPath("int8") + ".data"));
        Assert.Empty(Directory.GetDirectories(package.OnnxFolder)); // no staging folder left behind
    }

    [Fact]
    public void AnotherCheckpointIsNotMixedIntoAPackage()
    {
        var to = Path.Combine(_folder, "pkg");
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, to, new ConversionOptions { Weights = WeightFormat.Int4 });
        // Same shapes, other weights (as a fine-tune would be): one tensor dropped changes the file.
        var other = Path.Combine(_folder, "other");
        RewriteCheckpoint(other, name => name == "model.visual.blocks.0.norm1.bias" ? null : name);
        var error = Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(other, to, new ConversionOptions { Weights = WeightFormat.Int8 }));
        Assert.Contains("another checkpoint", error.Message);
        Assert.Equal(["int4"], ModelPackage.Open(to).VariantNames);
    }

    [Fact]
    public void OlderCheckpointNamesGiveTheSameGraphs()
    {
        // transformers < 4.57 saved visual.* and model.* (text) instead of model.visual.* and model.language_model.*.
        var legacy = Path.Combine(_folder, "legacy");
        RewriteCheckpoint(legacy, name => name.StartsWith("model.visual.", StringComparison.Ordinal) ? name["model.".Length..]
            : name.StartsWith("model.language_model.", StringComparison.Ordinal) ? "model." + name["model.language_model.".Length..] : name);
        var to = Path.Combine(_folder, "pkg");
        ModelConverter.Convert(legacy, to, new ConversionOptions { Weights = WeightFormat.Fp32 });
        var package = ModelPackage.Open(to);
        Assert.Equal(File.ReadAllBytes(TinyPackage.Package.DecoderPath("fp32") + ".data"), File.ReadAllBytes(package.DecoderPath("fp32") + ".data"));
        Assert.Equal(File.ReadAllBytes(TinyPackage.Package.VisionPath("fp32") + ".data"), File.ReadAllBytes(package.VisionPath("fp32") + ".data"));
    }

    [Fact]
    public void MissingCheckpointIsAModelLoadException()
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(Path.Combine(_folder, "nothing"), Path.Combine(_folder, "pkg"), new ConversionOptions()));
        Assert.Contains("not found", error.Message);
        var noWeights = Path.Combine(_folder, "no-weights");
        Directory.CreateDirectory(noWeights);
        File.Copy(Path.Combine(TinyModelFiles.Qwen3VlTiny, "config.json"), Path.Combine(noWeights, "config.json"));
        error = Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(noWeights, Path.Combine(_folder, "pkg"), new ConversionOptions()));
        Assert.Contains("safetensors", error.Message);
    }

    [Fact]
    public void TruncatedCheckpointIsAModelLoadException()
    {
        var broken = Path.Combine(_folder, "broken");
        Directory.CreateDirectory(broken);
        File.Copy(Path.Combine(TinyModelFiles.Qwen3VlTiny, "config.json"), Path.Combine(broken, "config.json"));
        var bytes = File.ReadAllBytes(Path.Combine(TinyModelFiles.Qwen3VlTiny, "model.safetensors"));
        File.WriteAllBytes(Path.Combine(broken, "model.safetensors"), bytes[..(bytes.Length / 2)]);
        Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(broken, Path.Combine(_folder, "pkg"), new ConversionOptions()));
    }

    [Fact]
    public void MissingTensorIsNamedAndLeavesNoVariant()
    {
        var partial = Path.Combine(_folder, "partial");
        RewriteCheckpoint(partial, name => name == "model.language_model.layers.1.mlp.up_proj.weight" ? null : name);
        var to = Path.Combine(_folder, "pkg");
        var error = Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(partial, to, new ConversionOptions()));
        Assert.Contains("model.language_model.layers.1.mlp.up_proj.weight", error.Message);
        Assert.False(File.Exists(Path.Combine(to, "onnx", ModelPackageManifest.FileName)));
        Assert.Throws<ModelLoadException>(() => ModelPackage.Open(to));
    }

    [Theory]
    [InlineData("qwen2_vl", "vision_config.hidden_act")] // a Qwen3-VL checkpoint labelled qwen2_vl: its vision activation (gelu_pytorch_tanh) is not Qwen2-VL's quick_gelu
    [InlineData("llava", "not a supported Qwen-VL family")]
    public void UnsupportedFamilyIsAModelLoadException(string modelType, string message)
    {
        var other = Path.Combine(_folder, "other");
        Directory.CreateDirectory(other);
        var config = File.ReadAllText(Path.Combine(TinyModelFiles.Qwen3VlTiny, "config.json")).Replace("\"model_type\": \"qwen3_vl\"", $"\"model_type\": \"{modelType}\"");
        File.WriteAllText(Path.Combine(other, "config.json"), config);
        File.Copy(Path.Combine(TinyModelFiles.Qwen3VlTiny, "model.safetensors"), Path.Combine(other, "model.safetensors"));
        // A complete checkpoint but for the family (conversion refuses one without its tokenizer or preprocessor config first).
        foreach (var file in RequiredModelFiles.Names) File.Copy(Path.Combine(TinyModelFiles.Qwen3VlTiny, file), Path.Combine(other, file));
        var error = Assert.Throws<ModelLoadException>(() => ModelConverter.Convert(other, Path.Combine(_folder, "pkg"), new ConversionOptions()));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void PackageWithAMissingGraphFileIsAModelLoadException()
    {
        var to = Path.Combine(_folder, "pkg");
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, to, new ConversionOptions { Weights = WeightFormat.Int4 });
        File.Delete(Path.Combine(to, "onnx", "vision.int4.onnx"));
        var error = Assert.Throws<ModelLoadException>(() => ModelPackage.Open(to));
        Assert.Contains("vision.int4.onnx", error.Message);
    }

    [Fact]
    public void InvalidBlockSizeIsRejected() =>
        Assert.Throws<ArgumentException>(() => ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, Path.Combine(_folder, "pkg"), new ConversionOptions { Weights = WeightFormat.Int4, BlockSize = 24 }));

    private static void AssertEntry(GraphTensorEntry entry, string name, string dtype, params string[] shape)
    {
        Assert.Equal(name, entry.Name);
        Assert.Equal(dtype, entry.Dtype);
        Assert.Equal(shape, entry.Shape);
    }

    /// <summary>Copies the tiny checkpoint with tensors renamed (or dropped when <paramref name="rename"/> returns null).</summary>
    private static void RewriteCheckpoint(string folder, Func<string, string?> rename)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TinyModelFiles.Qwen3VlTiny, "*.json")) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        using var source = SafetensorsCheckpoint.Open(TinyModelFiles.Qwen3VlTiny);
        var tensors = new List<SafetensorsTensorSource>();
        foreach (var name in source.TensorNames.Order(StringComparer.Ordinal))
        {
            if (rename(name) is not { } newName) continue;
            var info = source.GetInfo(name);
            var file = source.FileOf(name);
            tensors.Add(new SafetensorsTensorSource(newName, info.DType, info.Shape, stream => stream.Write(file.GetBytes(info, 0, (int)info.ByteLength))));
        }
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors);
    }
}
