using VLOrleans.Engine.Imaging.Preprocessing;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;
using VLOrleans.Engine.Text.Grounding;

namespace VLOrleans.Engine.Tests.Text.Grounding;

/// <summary>Parsing Qwen's grounding answers and converting them per family; every expected number is derived by hand in the comments.</summary>
public sealed class GroundingTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Fenced_array_of_boxes_and_points_with_prose_around()
    {
        const string answer = """
            The dent is here:
            ```json
            [
              {"bbox_2d": [100, 250, 500, 1000], "label": "dent"},
              {"point_2d": [500, 500], "label": "scratch"}
            ]
            ```
            and the label {"bbox_2d": [1, 2, 3, 4]} too.
            """;
        var items = GroundingParser.Parse(answer);
        Assert.Equal(3, items.Count);
        Assert.Equal(new GroundingItem(GroundingKind.Box, "dent", [100, 250, 500, 1000]).Values, items[0].Values);
        Assert.Equal(("dent", GroundingKind.Box), (items[0].Label, items[0].Kind));
        Assert.Equal(("scratch", GroundingKind.Point), (items[1].Label, items[1].Kind));
        Assert.Equal([500.0, 500.0], items[1].Values);
        Assert.Null(items[2].Label);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], items[2].Values);
    }

    [Theory]
    [InlineData("""{"bbox_2d": [1, 2, 3], "label": "x"}""")]              // three numbers
    [InlineData("""{"bbox_2d": [1, 2, "3", 4], "label": "x"}""")]         // a string
    [InlineData("""{"point_2d": [1], "label": "x"}""")]
    [InlineData("""{"bbox_2d": [1, 2, 3, 4], "label": "x" """)]          // cut off
    [InlineData("no json at all [ { ")]
    public void Malformed_items_are_skipped_without_error(string answer) => Assert.Empty(GroundingParser.Parse(answer));

    [Fact]
    public void A_truncated_array_still_yields_its_complete_objects()
    {
        var items = GroundingParser.Parse("""[{"bbox_2d": [1, 2, 3, 4], "label": "a"}, {"bbox_2d": [5, 6""");
        Assert.Equal("a", Assert.Single(items).Label);
    }

    [Fact]
    public void Wrapped_objects_and_several_values_in_a_row()
    {
        var items = GroundingParser.Parse("""{"objects": [{"bbox_2d": [1, 2, 3, 4], "label": "a"}]} then {"point_2d": [7, 8], "label": "b"}""");
        Assert.Equal(["a", "b"], items.Select(i => i.Label));
    }

    [Fact]
    public void Qwen2_vl_token_form()
    {
        var items = GroundingParser.Parse("<|object_ref_start|>the dog<|object_ref_end|><|box_start|>(69,306),(250,988)<|box_end|>");
        var item = Assert.Single(items);
        Assert.Equal("the dog", item.Label);
        Assert.Equal([69.0, 306.0, 250.0, 988.0], item.Values);
    }

    [Fact]
    public void Families_map_to_their_coordinate_spaces()
    {
        Assert.Equal(GroundingCoordinateSpace.Relative1000, GroundingCoordinateSpaces.Of(QwenVlFamily.Qwen3Vl));
        Assert.Equal(GroundingCoordinateSpace.ResizedInputPixels, GroundingCoordinateSpaces.Of(QwenVlFamily.Qwen25Vl));
        Assert.Equal(GroundingCoordinateSpace.Relative1000, GroundingCoordinateSpaces.Of(QwenVlFamily.Qwen2Vl)); // see GROUNDING.md
    }

    [Fact]
    public void Qwen3_vl_box_on_the_thousand_grid()
    {
        // 640×480 photo: x = v/1000·640, y = v/1000·480 → 100→64, 250→120, 500→320, 1000→480
        var frame = new GroundingFrame(640, 480, 640, 480);
        var box = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Box, "dent", [100, 250, 500, 1000]), GroundingCoordinateSpace.Relative1000, frame);
        AssertBox(box, 64, 120, 320, 480);
        Assert.False(box.WasClamped);
        // a point in the middle: 500/1000 of each side → (320, 240)
        var point = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Point, null, [500, 500]), GroundingCoordinateSpace.Relative1000, frame);
        AssertBox(point, 320, 240, 320, 240);
    }

    [Fact]
    public void Qwen2_vl_box_on_the_thousand_grid_ignores_the_resized_size()
    {
        // 1300×876 photo, resized 1288×868 (unused on this grid): 69/1000·1300 = 89.7, 306/1000·876 = 268.056,
        // 250/1000·1300 = 325, 988/1000·876 = 865.488
        var frame = new GroundingFrame(1300, 876, 1288, 868);
        var box = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Box, null, [69, 306, 250, 988]),
            GroundingCoordinateSpaces.Of(QwenVlFamily.Qwen2Vl), frame);
        AssertBox(box, 89.7, 268.056, 325, 865.488);
    }

    [Fact]
    public void Qwen25_vl_box_in_resized_input_pixels()
    {
        // 1300×876 with Qwen2.5-VL's smart_resize (factor 28, preprocessor_config max_pixels 12845056): h' = round(876/28)·28 = round(31.29)·28 = 868,
        // w' = round(1300/28)·28 = round(46.43)·28 = 1288 (grid 62×92 of 14-pixel patches).
        var resized = new QwenImageProcessor(QwenPreprocessorConfig.Qwen2VL).GetResizedSize(876, 1300);
        Assert.Equal((868, 1288), resized);
        var frame = GroundingFrame.FromGrid(1300, 876, new GridThw(1, 62, 92), patchSize: 14);
        Assert.Equal(new GroundingFrame(1300, 876, 1288, 868), frame);
        // x = v/1288·1300, y = v/868·876: 644→650, 434→438, 1288→1300, 868→876 (half and all of each side)
        var box = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Box, "dent", [644, 434, 1288, 868]), GroundingCoordinateSpace.ResizedInputPixels, frame);
        AssertBox(box, 650, 438, 1300, 876);
        // 100/1288·1300 = 130000/1288 = 100.931677018633…, 200/868·876 = 175200/868 = 201.843317972350…
        var small = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Point, null, [100, 200]), GroundingCoordinateSpace.ResizedInputPixels, frame);
        AssertBox(small, 130000.0 / 1288, 175200.0 / 868, 130000.0 / 1288, 175200.0 / 868);
    }

    [Fact]
    public void Out_of_range_values_are_clamped_and_flagged_and_corners_ordered()
    {
        // 1200 on the thousand grid is past the edge: clamped to 1000 → 640; corners given bottom-right first are swapped
        var frame = new GroundingFrame(640, 480, 640, 480);
        var box = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Box, null, [1200, 500, 500, 0]), GroundingCoordinateSpace.Relative1000, frame);
        AssertBox(box, 320, 0, 640, 240);
        Assert.True(box.WasClamped);
        // resized pixels past the resized width (1288) clamp to the original width
        var wide = GroundingConverter.ToPixels(new GroundingItem(GroundingKind.Point, null, [2000, -5]), GroundingCoordinateSpace.ResizedInputPixels,
            new GroundingFrame(1300, 876, 1288, 868));
        AssertBox(wide, 1300, 0, 1300, 0);
        Assert.True(wide.WasClamped);
    }

    private static void AssertBox(PixelBox box, double x1, double y1, double x2, double y2)
    {
        Assert.Equal(x1, box.X1, Tolerance);
        Assert.Equal(y1, box.Y1, Tolerance);
        Assert.Equal(x2, box.X2, Tolerance);
        Assert.Equal(y2, box.Y2, Tolerance);
    }
}
