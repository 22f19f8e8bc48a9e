using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.OnnxCommunity;
using VLOrleans.Engine.Models.Package;

namespace VLOrleans.Engine.Tests.OnnxCommunity;

/// <summary>
/// Recognising the onnx-community layout and naming its files as transformers.js 4.3.1 does
/// (src/utils/dtypes.js DEFAULT_DTYPE_SUFFIX_MAPPING, src/models/session_config.js ImageTextToText sessions).
/// </summary>
public sealed class OnnxCommunityLayoutTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-onnxc-layout-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("vision_encoder", "fp32", "vision_encoder.onnx")]
    [InlineData("embed_tokens", "fp16", "embed_tokens_fp16.onnx")]
    [InlineData("decoder_model_merged", "q4", "decoder_model_merged_q4.onnx")]
    [InlineData("decoder_model_merged", "q4f16", "decoder_model_merged_q4f16.onnx")]
    [InlineData("vision_encoder", "q8", "vision_encoder_quantized.onnx")]
    [InlineData("embed_tokens", "bnb4", "embed_tokens_bnb4.onnx")]
    public void File_names_follow_the_transformers_js_dtype_suffixes(string session, string dtype, string expected) =>
        Assert.Equal(expected, OnnxCommunityLayout.FileName(session, dtype));

    [Theory]
    [InlineData(QwenVlFamily.Qwen2Vl, "grid_thw")]
    [InlineData(QwenVlFamily.Qwen25Vl, "image_grid_thw")]
    [InlineData(QwenVlFamily.Qwen3Vl, "image_grid_thw")]
    public void The_grid_input_is_named_as_transformers_js_feeds_it(QwenVlFamily family, string name) =>
        Assert.Equal(name, OnnxCommunityLayout.GridInputName(family));

    [Fact]
    public void A_dtype_counts_only_when_all_three_graphs_are_there()
    {
        var onnx = Directory.CreateDirectory(Path.Combine(_folder, "onnx")).FullName;
        foreach (var name in new[] { "vision_encoder_fp16.onnx", "embed_tokens_fp16.onnx", "decoder_model_merged_fp16.onnx", "decoder_model_merged_q4.onnx", "embed_tokens_q4.onnx" })
            File.WriteAllBytes(Path.Combine(onnx, name), []);
        Assert.True(OnnxCommunityLayout.IsLayout(_folder));
        Assert.Equal(["fp16"], OnnxCommunityLayout.CompleteDtypes(_folder));

        // our converter's manifest wins: such a folder is our package, not this layout
        File.WriteAllText(Path.Combine(onnx, "manifest.json"), "{}");
        Assert.False(OnnxCommunityLayout.IsLayout(_folder));
    }

    [Fact]
    public void A_folder_without_a_complete_dtype_is_refused_with_the_file_names_expected()
    {
        File.Copy(Path.Combine(OnnxCommunityFolders.For(QwenVlFamily.Qwen2Vl), "config.json"), Path.Combine(_folder, "config.json"));
        var onnx = Directory.CreateDirectory(Path.Combine(_folder, "onnx")).FullName;
        File.WriteAllBytes(Path.Combine(onnx, "decoder_model_merged.onnx"), []);
        var e = Assert.Throws<ModelLoadException>(() => VisionLanguageEngine.Load(new EngineOptions { ModelPath = _folder }));
        Assert.Contains("onnx/vision_encoder", e.Message);
    }

    [Theory]
    [InlineData(QwenVlFamily.Qwen2Vl)]
    [InlineData(QwenVlFamily.Qwen3Vl)]
    public void The_package_says_it_has_no_deepstack_and_which_layout_it_is(QwenVlFamily family)
    {
        var package = OnnxCommunityPackage.Open(OnnxCommunityFolders.For(family));
        Assert.Equal(OnnxCommunityLayout.Name, package.Manifest.Format);
        Assert.Equal(0, package.Manifest.Vision.DeepstackCount);
        Assert.Equal(0, package.Manifest.Decoder.DeepstackCount);
        Assert.Equal(["fp32"], package.VariantNames);
        Assert.Equal("decoder_model_merged.onnx", Path.GetFileName(package.DecoderPath("fp32")));
        Assert.Equal(ModelPackage.FamilyName(family), package.Manifest.Family);
    }
}
