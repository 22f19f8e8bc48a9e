namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// A plain RGB resize equal to Pillow's <c>Image.resize((w, h), Image.BICUBIC)</c> byte for byte
/// (see <see cref="BicubicKernel"/>): the same two passes the Qwen processor runs, with bytes out instead of floats.
/// </summary>
public static unsafe class BicubicResizer
{
    public static RgbImage Resize(RgbImage image, int width, int height, int maxDegreeOfParallelism = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var horizontal = BicubicKernel.Create(image.Width, width);
        var vertical = BicubicKernel.Create(image.Height, height);
        int firstRow = vertical.MinInput;
        int rowCount = vertical.MaxInputExclusive - firstRow;
        if (3L * rowCount * width > Array.MaxLength || 3L * width * height > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"{image.Width}x{image.Height} → {width}x{height} is beyond one array");
        int planeSize = rowCount * width;
        var planes = new byte[3 * planeSize];
        HorizontalPass.Run(image, horizontal, firstRow, rowCount, planes, maxDegreeOfParallelism);

        var output = new byte[3L * width * height];
        var row = new byte[width];
        fixed (byte* planesPtr = planes)
        fixed (byte* rowPtr = row)
        fixed (int* weightsPtr = vertical.Weights)
        {
            for (int y = 0; y < height; y++)
            {
                for (int c = 0; c < 3; c++)
                {
                    VerticalPass.RowToBytes(planesPtr + (nint)c * planeSize, width, vertical.First[y] - firstRow, vertical.Count[y],
                        weightsPtr + (nint)y * vertical.Stride, rowPtr);
                    long o = 3L * y * width + c;
                    for (int x = 0; x < width; x++) output[o + 3 * x] = row[x];
                }
            }
        }
        return new RgbImage(width, height, output);
    }
}
