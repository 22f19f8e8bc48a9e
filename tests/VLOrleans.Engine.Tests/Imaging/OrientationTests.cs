using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>
/// All 8 EXIF orientations, checked against the EXIF 2.3 definition of tag 0x0112 (where the
/// stored 0th row and 0th column are shown), on a 3x2 PNG of distinct pixels carrying an eXIf chunk.
/// </summary>
public sealed class OrientationTests
{
    private const int W = 3, H = 2;

    // EXIF 2.3 §4.6.4 Orientation: (0th row is at the visual ..., 0th column is at the visual ...)
    private static (string Row0, string Col0) Spec(int orientation) => orientation switch
    {
        1 => ("top", "left"),
        2 => ("top", "right"),
        3 => ("bottom", "right"),
        4 => ("bottom", "left"),
        5 => ("left", "top"),
        6 => ("right", "top"),
        7 => ("right", "bottom"),
        8 => ("left", "bottom"),
        _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Pixels_land_where_the_exif_definition_puts_them(int orientation)
    {
        // Stored pixel (x, y) has R = 10·x + 1, G = 10·y + 1, B = 7.
        var rows = Enumerable.Range(0, H).Select(y => Enumerable.Range(0, W)
            .SelectMany(x => new byte[] { (byte)(10 * x + 1), (byte)(10 * y + 1), 7 }).ToArray()).ToArray();
        var png = PngBuilder.Build(W, H, 8, 2, rows, exif: TiffExifBuilder.WithOrientation(orientation));
        var result = new ImageDecoder().Decode(png);

        var (row0, col0) = Spec(orientation);
        var rowsAreHorizontal = row0 is "top" or "bottom";
        var (vw, vh) = rowsAreHorizontal ? (W, H) : (H, W);
        Assert.Equal(orientation, result.Facts.Orientation);
        Assert.Equal((W, H), (result.Facts.FileWidth, result.Facts.FileHeight));
        Assert.Equal((vw, vh), (result.Image.Width, result.Image.Height));
        Assert.Equal((vw, vh), (result.Facts.OriginalWidth, result.Facts.OriginalHeight));

        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
            {
                int vx, vy;
                if (rowsAreHorizontal)
                {
                    vy = row0 == "top" ? y : H - 1 - y;
                    vx = col0 == "left" ? x : W - 1 - x;
                }
                else
                {
                    vx = row0 == "left" ? y : H - 1 - y;
                    vy = col0 == "top" ? x : W - 1 - x;
                }
                var o = (vy * vw + vx) * 3;
                Assert.Equal((10 * x + 1, 10 * y + 1), (result.Image.Pixels[o], result.Image.Pixels[o + 1]));
            }
    }

    [Fact]
    public void Invalid_orientation_is_ignored()
    {
        var png = PngBuilder.Build(1, 1, 8, 0, [[9]], exif: TiffExifBuilder.WithOrientation(9));
        var result = new ImageDecoder().Decode(png);
        Assert.Equal(1, result.Facts.Orientation);
    }
}
