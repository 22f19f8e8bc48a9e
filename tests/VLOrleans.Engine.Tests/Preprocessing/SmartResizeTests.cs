using System.Text.Json;
using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.Preprocessing;

/// <summary>
/// smart_resize against tests/fixtures/preprocess/smart_resize_table.json, made by a straight Python port of HF's
/// formula (tools/reference/preprocess/make_smart_resize_table.py), plus the facts-doc examples by hand.
/// </summary>
public class SmartResizeTests
{
    public static IEnumerable<object[]> TableCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "preprocess", "smart_resize_table.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            int expectedH = c.TryGetProperty("resized_height", out var rh) ? rh.GetInt32() : -1;
            int expectedW = c.TryGetProperty("resized_width", out var rw) ? rw.GetInt32() : -1;
            yield return [c.GetProperty("config").GetString()!, c.GetProperty("factor").GetInt32(), c.GetProperty("min_pixels").GetInt64(),
                c.GetProperty("max_pixels").GetInt64(), c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32(), expectedH, expectedW];
        }
    }

    [Theory]
    [MemberData(nameof(TableCases))]
    public void Matches_python_reference(string config, int factor, long min, long max, int height, int width, int expectedH, int expectedW)
    {
        _ = config;
        if (expectedH < 0)
        {
            var e = Assert.Throws<PreprocessingException>(() => SmartResize.Compute(height, width, factor, min, max));
            Assert.Equal(PreprocessingErrorCode.AspectRatioTooLarge, e.Code);
            return;
        }
        Assert.Equal((expectedH, expectedW), SmartResize.Compute(height, width, factor, min, max));
    }

    [Fact]
    public void Table_covers_every_branch()
    {
        // Guards against a regenerated table that silently lost its interesting rows.
        var cases = TableCases().ToList();
        Assert.True(cases.Count >= 150);
        Assert.Contains(cases, c => (int)c[6] < 0);                                            // aspect > 200
        Assert.Contains(cases, c => (int)c[6] > 0 && (long)(int)c[6] * (int)c[7] < (long)(int)c[4] * (int)c[5] / 2); // shrunk
        Assert.Contains(cases, c => (int)c[4] == 1 && (int)c[5] == 1);                          // below min_pixels
    }

    [Theory]
    // Facts doc §2.7: australia.jpg 1300×876.
    [InlineData(876, 1300, 28, 3136, 12845056, 868, 1288)]
    [InlineData(876, 1300, 32, 65536, 16777216, 864, 1312)]
    // Banker's rounding: 70/28 = 2.5 → 2 (56), 98/28 = 3.5 → 4 (112); half-up would give 84 and 112.
    [InlineData(70, 700, 28, 3136, 12845056, 56, 700)]
    [InlineData(98, 700, 28, 3136, 12845056, 112, 700)]
    // Aspect exactly 200 is allowed: round gives 0×196, below min_pixels, so β = √(3136/200) and ceil → 28×812.
    [InlineData(1, 200, 28, 3136, 12845056, 28, 812)]
    public void Known_examples(int h, int w, int factor, long min, long max, int eh, int ew) =>
        Assert.Equal((eh, ew), SmartResize.Compute(h, w, factor, min, max));

    [Fact]
    public void Facts_doc_grids_and_token_counts()
    {
        var q25 = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL, 1).GetGrid(876, 1300);
        Assert.Equal(new ImageGrid(1, 62, 92), q25);
        Assert.Equal(1426, q25.TokenCount(2));
        var q3 = new QwenImageProcessor(QwenPreprocessorConfig.Qwen3VL, 1).GetGrid(876, 1300);
        Assert.Equal(new ImageGrid(1, 54, 82), q3);
        Assert.Equal(1107, q3.TokenCount(2));
    }

    [Fact]
    public void Aspect_over_200_is_a_typed_error()
    {
        var e = Assert.Throws<PreprocessingException>(() => SmartResize.Compute(1, 201, QwenPreprocessorConfig.Qwen3VL));
        Assert.Equal(PreprocessingErrorCode.AspectRatioTooLarge, e.Code);
        Assert.Contains("201x1", e.Message);
    }

    [Fact]
    public void Zero_min_pixels_and_tiny_side_is_a_typed_error()
    {
        // round(5/28) = 0 and nothing raises it when min_pixels is 0: refuse instead of returning 0×n.
        var e = Assert.Throws<PreprocessingException>(() => SmartResize.Compute(5, 500, 28, 0, 12845056));
        Assert.Equal(PreprocessingErrorCode.EmptyResult, e.Code);
    }
}
