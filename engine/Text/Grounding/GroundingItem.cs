namespace VLOrleans.Engine.Text.Grounding;

public enum GroundingKind
{
    /// <summary><c>bbox_2d: [x1, y1, x2, y2]</c>: top-left and bottom-right corners.</summary>
    Box,

    /// <summary><c>point_2d: [x, y]</c>.</summary>
    Point,
}

/// <summary>One box or point as the model wrote it, in the model's own coordinate space (see GROUNDING.md).</summary>
/// <param name="Values">Four numbers for a box, two for a point, as written.</param>
public sealed record GroundingItem(GroundingKind Kind, string? Label, IReadOnlyList<double> Values);

/// <summary>A box or point in pixels of the original (upright) image: x to the right, y down, origin at the top-left
/// corner. A point has X2 = X1 and Y2 = Y1. <see cref="WasClamped"/>: a value lay outside the image and was moved onto its edge.</summary>
public sealed record PixelBox(GroundingKind Kind, string? Label, double X1, double Y1, double X2, double Y2, bool WasClamped);
