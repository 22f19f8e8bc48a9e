namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>The patch grid of one image: T frames groups × H × W patches (the model's image_grid_thw row).</summary>
public readonly record struct ImageGrid(int T, int H, int W)
{
    public int PatchCount => T * H * W;

    /// <summary>Image tokens after the 2×2 (merge²) patch merger: t·h·w / merge².</summary>
    public int TokenCount(int mergeSize) => PatchCount / (mergeSize * mergeSize);
}

/// <summary>One image as the vision encoder takes it.</summary>
public sealed class ProcessedImage
{
    internal ProcessedImage(float[] pixelValues, int rowLength, ImageGrid grid, int imageTokenCount, int resizedHeight, int resizedWidth)
    {
        PixelValues = pixelValues;
        RowLength = rowLength;
        Grid = grid;
        ImageTokenCount = imageTokenCount;
        ResizedHeight = resizedHeight;
        ResizedWidth = resizedWidth;
    }

    /// <summary><c>pixel_values</c>, row-major [PatchCount, RowLength].</summary>
    public float[] PixelValues { get; }

    public int PatchCount => Grid.PatchCount;

    /// <summary>3 · temporal_patch_size · P · P (1176 or 1536).</summary>
    public int RowLength { get; }

    /// <summary><c>image_grid_thw</c> = [1, h'/P, w'/P].</summary>
    public ImageGrid Grid { get; }

    /// <summary>How many <c>&lt;|image_pad|&gt;</c> tokens stand for this image.</summary>
    public int ImageTokenCount { get; }

    public int ResizedHeight { get; }
    public int ResizedWidth { get; }
}

/// <summary>Several images concatenated along the patch axis, as one vision-encoder call takes them.</summary>
public sealed class ProcessedImageBatch
{
    internal ProcessedImageBatch(float[] pixelValues, int rowLength, ImageGrid[] grids, int[] imageTokenCounts)
    {
        PixelValues = pixelValues;
        RowLength = rowLength;
        Grids = grids;
        ImageTokenCounts = imageTokenCounts;
    }

    /// <summary>All images' rows, in input order: [sum of patch counts, RowLength].</summary>
    public float[] PixelValues { get; }

    public int RowLength { get; }

    public int PatchCount => PixelValues.Length / RowLength;

    /// <summary>One grid per image, in input order.</summary>
    public IReadOnlyList<ImageGrid> Grids { get; }

    public IReadOnlyList<int> ImageTokenCounts { get; }

    /// <summary><c>image_grid_thw</c> as the int64 [images, 3] tensor data.</summary>
    public long[] GridThw()
    {
        var data = new long[Grids.Count * 3];
        for (int i = 0; i < Grids.Count; i++)
        {
            data[3 * i] = Grids[i].T;
            data[3 * i + 1] = Grids[i].H;
            data[3 * i + 2] = Grids[i].W;
        }
        return data;
    }
}
