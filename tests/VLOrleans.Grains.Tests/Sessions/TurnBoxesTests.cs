using VLOrleans.Contracts;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text.Grounding;
using VLOrleans.Grains.Sessions;

namespace VLOrleans.Grains.Tests.Sessions;

/// <summary>
/// A turn's boxes from a real-looking grounding answer, per family, against numbers worked out by hand from the facts in
/// engine/Text/Grounding/GROUNDING.md: Qwen3-VL and Qwen2-VL write 0…1000 of each side, Qwen2.5-VL pixels of the
/// resized model input (1300×876 resizes to 1288×868 with its factor 28).
/// </summary>
public sealed class TurnBoxesTests
{
    private const string Image = "img";
    private static readonly GroundingFrame Photo = new(1300, 876, 1288, 868);

    [Fact]
    public void Qwen3_VL_boxes_are_thousandths_of_the_original_sides()
    {
        const string answer = "The dent is here:\n```json\n[\n  {\"bbox_2d\": [100, 250, 500, 750], \"label\": \"dent\"},\n  {\"point_2d\": [500, 500], \"label\": \"centre\"}\n]\n```";

        var boxes = TurnBoxes.From(answer, QwenVlFamily.Qwen3Vl, Image, Photo);

        // 100/1000 × 1300 = 130, 250/1000 × 876 = 219, 500/1000 × 1300 = 650, 750/1000 × 876 = 657; the point: 650, 438.
        Assert.Equal(
            [new BoxView(Image, "box", "dent", 130, 219, 650, 657, false), new BoxView(Image, "point", "centre", 650, 438, 650, 438, false)],
            boxes);
    }

    [Fact]
    public void Qwen2_5_VL_boxes_are_pixels_of_the_resized_input_scaled_to_the_original()
    {
        // 322/1288 = 0.25 → 325 of 1300; 217/868 = 0.25 → 219 of 876; 966/1288 = 0.75 → 975; 651/868 = 0.75 → 657.
        var boxes = TurnBoxes.From("{\"bbox_2d\": [322, 217, 966, 651], \"label\": \"gauge\"}", QwenVlFamily.Qwen25Vl, Image, Photo);

        Assert.Equal([new BoxView(Image, "box", "gauge", 325, 219, 975, 657, false)], boxes);
    }

    [Fact]
    public void Qwen2_VL_boxes_are_thousandths_too_and_values_past_the_edge_are_clamped()
    {
        var frame = new GroundingFrame(1000, 500, 1008, 504);

        // 200/1000 × 1000 = 200, 100/1000 × 500 = 50, 600 → 600, 900/1000 × 500 = 450. The second box's 1200 is past the
        // 0…1000 grid: clamped to the right edge (1000 px) and flagged; its corners were written in the wrong order.
        var boxes = TurnBoxes.From("[{\"bbox_2d\": [200, 100, 600, 900], \"label\": \"cat\"}, {\"bbox_2d\": [1200, 800, 400, 200]}]",
            QwenVlFamily.Qwen2Vl, Image, frame);

        Assert.Equal([new BoxView(Image, "box", "cat", 200, 50, 600, 450, false), new BoxView(Image, "box", null, 400, 100, 1000, 400, true)], boxes);
    }

    [Fact]
    public void An_answer_without_grounding_output_has_no_boxes_and_fractions_round_to_hundredths()
    {
        Assert.Null(TurnBoxes.From("A parcel with a dented corner [top left].", QwenVlFamily.Qwen3Vl, Image, Photo));

        // 333/1000 × 1300 = 432.9; 1/1000 × 876 = 0.876 → 0.88; 999/1000 × 876 = 875.124 → 875.12.
        var box = Assert.Single(TurnBoxes.From("{\"bbox_2d\": [333, 1, 999, 999]}", QwenVlFamily.Qwen3Vl, Image, Photo)!);
        Assert.Equal((432.9, 0.88, 1298.7, 875.12), (box.X1, box.Y1, box.X2, box.Y2));
    }
}
