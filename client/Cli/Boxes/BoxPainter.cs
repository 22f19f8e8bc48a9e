using VLOrleans.Cli.Backends;
using VLOrleans.Engine.Imaging;

namespace VLOrleans.Cli.Boxes;

/// <summary>
/// <c>vl ask --boxes-out</c>: an annotated copy of a photo — each box of the answer as a rectangle (a point as a small
/// square), a colour per box and its label on a filled tab — decoded and re-encoded with the engine's own codecs (the
/// image decoder, which applies EXIF orientation, and libjpeg-turbo's encoder), so the copy is upright like the
/// coordinates, which are in pixels of the original upright image.
/// </summary>
internal static class BoxPainter
{
    // Distinct, saturated colours (the web UI's palette).
    private static readonly (byte R, byte G, byte B)[] Colours =
        [(0xE6, 0x19, 0x4B), (0x3C, 0xB4, 0x4B), (0x43, 0x63, 0xD8), (0xF5, 0x82, 0x31), (0x91, 0x1E, 0xB4), (0x00, 0x80, 0x80), (0xC7, 0x15, 0x85), (0x80, 0x60, 0x00)];

    /// <summary>The colour of the box at <paramref name="index"/>.</summary>
    public static (byte R, byte G, byte B) ColourOf(int index) => Colours[index % Colours.Length];

    /// <summary>Decodes <paramref name="encoded"/>, draws <paramref name="boxes"/> and encodes a JPEG (quality 92).</summary>
    public static byte[] Annotate(ReadOnlySpan<byte> encoded, IReadOnlyList<AnswerBox> boxes)
    {
        var decoded = new ImageDecoder().Decode(encoded);
        Draw(decoded.Image, decoded.Facts.OriginalWidth, decoded.Facts.OriginalHeight, boxes);
        return JpegEncoder.Encode(decoded.Image, quality: 92);
    }

    /// <summary>Draws on <paramref name="image"/> in place; the boxes are in pixels of an original of the given size
    /// (the decoded image may be smaller: large photos are decoded scaled down).</summary>
    public static void Draw(RgbImage image, int originalWidth, int originalHeight, IReadOnlyList<AnswerBox> boxes)
    {
        var (sx, sy) = ((double)image.Width / originalWidth, (double)image.Height / originalHeight);
        // Lines and letters grow with the picture, so they stay visible on a 4000-pixel photo and small on a thumbnail.
        var line = Math.Max(3, Math.Min(image.Width, image.Height) / 200);
        var scale = Math.Max(1, Math.Min(image.Width, image.Height) / 300);
        for (var i = 0; i < boxes.Count; i++)
        {
            var box = boxes[i];
            var colour = ColourOf(i);
            int x1 = Px(box.X1 * sx, image.Width), y1 = Px(box.Y1 * sy, image.Height), x2 = Px(box.X2 * sx, image.Width), y2 = Px(box.Y2 * sy, image.Height);
            if (box.IsPoint) (x1, y1, x2, y2) = (x1 - 3 * line, y1 - 3 * line, x1 + 3 * line, y1 + 3 * line);
            // A box the model wrote with no width or height still shows as a full outline, not a hairline.
            (x2, y2) = (Math.Max(x2, x1 + 2 * line), Math.Max(y2, y1 + 2 * line));
            Rectangle(image, x1, y1, x2, y2, line, colour);
            Label(image, box.Label ?? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), x1, y1, scale, colour);
        }
    }

    private static int Px(double v, int size) => Math.Clamp((int)Math.Round(v), 0, size - 1);

    /// <summary>The outline, <paramref name="thickness"/> pixels wide, drawn inward from the box's edges.</summary>
    private static void Rectangle(RgbImage image, int x1, int y1, int x2, int y2, int thickness, (byte R, byte G, byte B) colour)
    {
        Fill(image, x1, y1, x2, Math.Min(y2, y1 + thickness - 1), colour);
        Fill(image, x1, Math.Max(y1, y2 - thickness + 1), x2, y2, colour);
        Fill(image, x1, y1, Math.Min(x2, x1 + thickness - 1), y2, colour);
        Fill(image, Math.Max(x1, x2 - thickness + 1), y1, x2, y2, colour);
    }

    /// <summary>The label on a tab in the box's colour, just above its top-left corner (inside it when there is no room above).</summary>
    private static void Label(RgbImage image, string text, int x, int y, int scale, (byte R, byte G, byte B) colour)
    {
        text = text.Length > 40 ? text[..40] : text;
        var pad = scale;
        var width = text.Length * (BitmapFont.GlyphWidth + 1) * scale + pad;
        var height = BitmapFont.GlyphHeight * scale + 2 * pad;
        var top = y - height >= 0 ? y - height : y;
        Fill(image, x, top, x + width - 1, top + height - 1, colour);
        for (var c = 0; c < text.Length; c++)
        {
            var glyph = BitmapFont.Glyph(text[c]);
            var left = x + pad + c * (BitmapFont.GlyphWidth + 1) * scale;
            for (var row = 0; row < BitmapFont.GlyphHeight; row++)
                for (var col = 0; col < BitmapFont.GlyphWidth; col++)
                    if ((glyph[row] & (0x10 >> col)) != 0)
                        Fill(image, left + col * scale, top + pad + row * scale, left + col * scale + scale - 1, top + pad + row * scale + scale - 1, (255, 255, 255));
        }
    }

    /// <summary>Fills the rectangle (inclusive corners), clipped to the image.</summary>
    private static void Fill(RgbImage image, int x1, int y1, int x2, int y2, (byte R, byte G, byte B) colour)
    {
        x1 = Math.Max(0, x1);
        y1 = Math.Max(0, y1);
        x2 = Math.Min(image.Width - 1, x2);
        y2 = Math.Min(image.Height - 1, y2);
        var pixels = image.Pixels;
        for (var y = y1; y <= y2; y++)
        {
            for (var x = x1; x <= x2; x++)
            {
                var at = y * image.Stride + 3 * x;
                (pixels[at], pixels[at + 1], pixels[at + 2]) = colour;
            }
        }
    }
}
