using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Preprocessing;

/// <summary>Config parsing of the Hugging Face and onnxruntime-extensions layouts, against the published files.</summary>
public class QwenPreprocessorConfigTests
{
    [Fact]
    public void Qwen2_huggingface_json()
    {
        var c = QwenPreprocessorConfig.Load(Path.Combine(RepoPaths.Fixtures, "preprocess", "qwen2-vl.preprocessor_config.json"));
        Assert.Equal((14, 2, 2, 28, 1176), (c.PatchSize, c.TemporalPatchSize, c.MergeSize, c.Factor, c.RowLength));
        Assert.Equal((3136L, 12845056L), (c.MinPixels, c.MaxPixels));
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], c.ImageMean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], c.ImageStd);
        Assert.Equal(1.0 / 255, c.RescaleFactor);
    }

    [Fact]
    public void Qwen3_huggingface_json_reads_size_as_pixel_counts()
    {
        var c = QwenPreprocessorConfig.Load(Path.Combine(RepoPaths.Fixtures, "preprocess", "qwen3-vl.preprocessor_config.json"));
        Assert.Equal((16, 2, 2, 32, 1536), (c.PatchSize, c.TemporalPatchSize, c.MergeSize, c.Factor, c.RowLength));
        Assert.Equal((65536L, 16777216L), (c.MinPixels, c.MaxPixels));
        Assert.Equal([0.5f, 0.5f, 0.5f], c.ImageMean);
        Assert.Equal([0.5f, 0.5f, 0.5f], c.ImageStd);
    }

    [Theory]
    [InlineData("pixel-values", "qwen2.5vl_vision_processor.json", 14, 0.48145466f)]
    [InlineData("pixel-values", "qwen3vl_vision_processor.json", 16, 0.48145466f)]
    [InlineData("ort-genai-configs/qwen2.5-vl", "processor_config.json", 14, 0.48145466f)]
    [InlineData("ort-genai-configs/qwen3-vl", "processor_config.json", 16, 0.5f)]
    public void Ort_extensions_processor_json(string folder, string file, int patch, float mean0)
    {
        var c = QwenPreprocessorConfig.Load(RepoPaths.SharedFile(["reference", .. folder.Split('/'), file]));
        Assert.Equal((patch, 2, 2), (c.PatchSize, c.TemporalPatchSize, c.MergeSize));
        Assert.Equal((3136L, 12845056L), (c.MinPixels, c.MaxPixels));
        Assert.True(c.DoRescale && c.DoNormalize && c.DoResize);
        Assert.Equal(0.00392156862745098, c.RescaleFactor);
        Assert.Equal(mean0, c.ImageMean[0]);
    }

    [Fact]
    public void Missing_fields_take_the_class_defaults()
    {
        var c = QwenPreprocessorConfig.Parse("{}");
        Assert.Equal((14, 2, 2), (c.PatchSize, c.TemporalPatchSize, c.MergeSize));
        Assert.Equal((56L * 56, 28L * 28 * 1280), (c.MinPixels, c.MaxPixels));
        Assert.Equal(QwenPreprocessorConfig.ClipMean, c.ImageMean);
        Assert.Equal(QwenPreprocessorConfig.ClipStd, c.ImageStd);
    }

    [Fact]
    public void Min_max_pixels_win_over_size()
    {
        var c = QwenPreprocessorConfig.Parse("""{"min_pixels": 100, "max_pixels": 2000, "size": {"shortest_edge": 5, "longest_edge": 9}, "image_mean": 0.5}""");
        Assert.Equal((100L, 2000L), (c.MinPixels, c.MaxPixels));
        Assert.Equal([0.5f, 0.5f, 0.5f], c.ImageMean);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"patch_size": "14"}""")]
    [InlineData("""{"patch_size": 0}""")]
    [InlineData("""{"image_std": [0.5, 0, 0.5]}""")]
    [InlineData("""{"image_mean": [0.5, 0.5]}""")]
    [InlineData("""{"max_pixels": 0}""")]
    [InlineData("""{"min_pixels": 1.5}""")]
    [InlineData("""{"processor": {"transforms": 3}}""")]
    public void Bad_config_is_a_typed_error(string json)
    {
        var e = Assert.Throws<PreprocessingException>(() => QwenPreprocessorConfig.Parse(json));
        Assert.Equal(PreprocessingErrorCode.InvalidConfig, e.Code);
    }

    [Fact]
    public void Missing_file_is_a_typed_error()
    {
        var e = Assert.Throws<PreprocessingException>(() => QwenPreprocessorConfig.Load("/nonexistent/preprocessor_config.json"));
        Assert.Equal(PreprocessingErrorCode.InvalidConfig, e.Code);
    }
}
