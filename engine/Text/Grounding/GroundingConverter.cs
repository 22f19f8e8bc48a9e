namespace VLOrleans.Engine.Text.Grounding;

/// <summary>
/// Maps boxes from a model's coordinate space to original-image pixels. Values outside the space are clamped onto the
/// image edge and flagged (hosted Qwen3-VL answers have been seen above 1000); corners written in the wrong order are
/// swapped, as Qwen's own cookbooks do before drawing.
/// </summary>
public static class GroundingConverter
{
    public static IReadOnlyList<PixelBox> ToPixels(IEnumerable<GroundingItem> items, GroundingCoordinateSpace space, GroundingFrame frame) =>
        items.Select(item => ToPixels(item, space, frame)).ToArray();

    public static PixelBox ToPixels(GroundingItem item, GroundingCoordinateSpace space, GroundingFrame frame)
    {
        var (spanX, spanY) = space == GroundingCoordinateSpace.Relative1000
            ? (1000.0, 1000.0)
            : ((double)frame.ResizedWidth, (double)frame.ResizedHeight);
        var clamped = false;
        double X(double v) => Scale(v, spanX, frame.OriginalWidth, ref clamped);
        double Y(double v) => Scale(v, spanY, frame.OriginalHeight, ref clamped);
        var values = item.Values;
        if (item.Kind == GroundingKind.Point)
        {
            var (px, py) = (X(values[0]), Y(values[1]));
            return new PixelBox(GroundingKind.Point, item.Label, px, py, px, py, clamped);
        }
        var (x1, y1, x2, y2) = (X(values[0]), Y(values[1]), X(values[2]), Y(values[3]));
        return new PixelBox(GroundingKind.Box, item.Label, Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2), clamped);
    }

    private static double Scale(double value, double span, int pixels, ref bool clamped)
    {
        var inside = Math.Clamp(value, 0, span);
        if (inside != value) clamped = true;
        return inside / span * pixels;
    }
}
