using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Imaging.Preprocessing;

namespace VLOrleans.Engine.Tests.Preprocessing;

/// <summary>Published vectors and layout facts that need no fixture file.</summary>
public class QwenImageProcessorTests
{
    [Fact]
    public void White_224_matches_the_transformers_js_vector()
    {
        // transformers.js test (facts doc §2.7): Qwen2-VL, white 224×224 → [256, 1176], mean 2.050372362136841, grid [1,16,16].
        var white = new RgbImage(224, 224, Enumerable.Repeat((byte)255, 3 * 224 * 224).ToArray());
        var result = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL, 2).Process(white);
        Assert.Equal((256, 1176), (result.PatchCount, result.RowLength));
        Assert.Equal(new ImageGrid(1, 16, 16), result.Grid);
        Assert.Equal(64, result.ImageTokenCount);
        Assert.Equal(2.050372362136841, result.PixelValues.Average(v => (double)v), 6);
    }

    [Fact]
    public void Layout_follows_hf_permute_order()
    {
        // A reference computed by the definition: value of (row, c, frame, iy, ix) is the resized pixel at
        // y = (block_row·M + sub_row)·P + iy, x = (block_col·M + sub_col)·P + ix. The image is 2×2 merge blocks of
        // Qwen3 (64×64 → no resize, as 64 is a multiple of 32 and 4096 ≥ min_pixels of this config).
        var config = QwenPreprocessorConfig.Qwen3VL with { MinPixels = 1024 };
        var image = SyntheticImages.Create("noise", 64, 64, 11);
        var result = new QwenImageProcessor(config, 1).Process(image);
        Assert.Equal(new ImageGrid(1, 4, 4), result.Grid);
        const int p = 16, m = 2, t = 2;
        for (int row = 0; row < result.PatchCount; row++)
        {
            int subCol = row % m, subRow = row / m % m, block = row / (m * m);
            int blockRow = block / (4 / m), blockCol = block % (4 / m);
            for (int c = 0; c < 3; c++)
                for (int frame = 0; frame < t; frame++)
                    for (int iy = 0; iy < p; iy++)
                        for (int ix = 0; ix < p; ix++)
                        {
                            int y = (blockRow * m + subRow) * p + iy, x = (blockCol * m + subCol) * p + ix;
                            float expected = (image.Pixels[3 * (y * 64 + x) + c] / 255f - 0.5f) / 0.5f;
                            float actual = result.PixelValues[row * result.RowLength + ((c * t + frame) * p + iy) * p + ix];
                            Assert.Equal(expected, actual, 1e-6f);
                        }
        }
    }

    [Fact]
    public void Batch_is_the_concatenation_of_single_images()
    {
        var processor = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL, 2);
        var a = SyntheticImages.Create("photo", 300, 200, 1);
        var b = SyntheticImages.Create("checker", 90, 700, 0);
        var batch = processor.ProcessMany([a, b]);
        var pa = processor.Process(a);
        var pb = processor.Process(b);
        Assert.Equal([pa.Grid, pb.Grid], batch.Grids);
        Assert.Equal([1L, pa.Grid.H, pa.Grid.W, 1L, pb.Grid.H, pb.Grid.W], batch.GridThw());
        Assert.Equal([pa.ImageTokenCount, pb.ImageTokenCount], batch.ImageTokenCounts);
        Assert.Equal(pa.PixelValues.Concat(pb.PixelValues), batch.PixelValues);
        Assert.Equal(pa.PatchCount + pb.PatchCount, batch.PatchCount);
    }

    [Fact]
    public void Process_into_a_caller_buffer_writes_the_same_values_and_nothing_past_them()
    {
        var processor = new QwenImageProcessor(QwenPreprocessorConfig.Qwen3VL, 2);
        var image = SyntheticImages.Create("photo", 300, 200, 2);
        int length = processor.GetPixelValuesLength(image.Height, image.Width);
        var buffer = Enumerable.Repeat(float.NaN, length + 5).ToArray();
        var grid = processor.ProcessInto(image, buffer);
        var expected = processor.Process(image);
        Assert.Equal(expected.Grid, grid);
        Assert.Equal(expected.PixelValues, buffer[..length]);
        Assert.All(buffer[length..], v => Assert.True(float.IsNaN(v)));
        Assert.Throws<ArgumentException>(() => processor.ProcessInto(image, new float[length - 1]));
    }

    [Fact]
    public void Thread_count_does_not_change_the_result()
    {
        var image = SyntheticImages.Create("photo", 517, 389, 4);
        var one = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL, 1).Process(image);
        var two = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL, 2).Process(image);
        Assert.Equal(one.PixelValues, two.PixelValues);
    }

    [Fact]
    public void Extreme_aspect_ratio_is_refused_before_any_work()
    {
        var strip = new RgbImage(402, 2, new byte[3 * 402 * 2]);
        var e = Assert.Throws<PreprocessingException>(() => new QwenImageProcessor(QwenPreprocessorConfig.Qwen3VL, 1).Process(strip));
        Assert.Equal(PreprocessingErrorCode.AspectRatioTooLarge, e.Code);
    }

    [Fact]
    public void Without_resize_sides_must_be_multiples_of_the_factor()
    {
        var processor = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL with { DoResize = false }, 1);
        var e = Assert.Throws<PreprocessingException>(() => processor.Process(new RgbImage(100, 56, new byte[3 * 100 * 56])));
        Assert.Equal(PreprocessingErrorCode.SizeNotAligned, e.Code);
        Assert.Equal(new ImageGrid(1, 4, 8), processor.Process(new RgbImage(112, 56, new byte[3 * 112 * 56])).Grid);
    }
}
