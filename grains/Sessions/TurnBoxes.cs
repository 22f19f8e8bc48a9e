using VLOrleans.Contracts;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text.Grounding;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// The boxes an answer names, for its turn: Qwen grounding output found in the text (<see cref="GroundingParser"/>)
/// converted to pixels of the original image by the family's coordinate space (<see cref="GroundingConverter"/>,
/// facts in engine/Text/Grounding/GROUNDING.md). Qwen's answers do not say which image a box is on, so boxes go on the
/// last image the prompt showed — the question's own last image, else the newest one of an earlier turn — which is
/// the one a "where is …" question is about when it attaches one image.
/// </summary>
internal static class TurnBoxes
{
    /// <summary>The answer's boxes on <paramref name="imageId"/> (whose sizes are <paramref name="frame"/>), rounded to
    /// 0.01 px; null when the answer has none (most answers), so the turn carries no empty list.</summary>
    public static IReadOnlyList<BoxView>? From(string answer, QwenVlFamily family, string imageId, GroundingFrame frame)
    {
        var items = GroundingParser.Parse(answer);
        if (items.Count == 0) return null;
        return [.. GroundingConverter.ToPixels(items, GroundingCoordinateSpaces.Of(family), frame).Select(box => new BoxView(imageId,
            box.Kind == GroundingKind.Point ? BoxView.PointKind : BoxView.BoxKind, box.Label,
            Round(box.X1), Round(box.Y1), Round(box.X2), Round(box.Y2), box.WasClamped))];
    }

    private static double Round(double pixels) => Math.Round(pixels, 2, MidpointRounding.AwayFromZero);
}
