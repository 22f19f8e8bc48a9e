using System.Buffers;

namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// Turns decoded RGB images into Qwen2/2.5/3-VL vision-encoder input: smart_resize → Pillow-exact BICUBIC resize →
/// ×rescale → normalise → duplicate to temporal_patch_size frames → patch rows. Output goes straight into the
/// final pixel_values layout: the only intermediate is the horizontally resized image as three byte planes
/// (about 3·w'·h bytes, pooled), never a full-size float copy.
/// </summary>
/// <remarks>
/// Thread-safe and stateless per call. Each call uses at most <see cref="MaxDegreeOfParallelism"/> threads
/// (row bands of the horizontal pass, then merge-block rows of the vertical pass).
/// </remarks>
public sealed unsafe class QwenImageProcessor
{
    private readonly float[] _table;

    /// <param name="config">Validated again here.</param>
    /// <param name="maxDegreeOfParallelism">Threads per call; ≤ 0 means <see cref="Environment.ProcessorCount"/>.</param>
    public QwenImageProcessor(QwenPreprocessorConfig config, int maxDegreeOfParallelism = 0)
    {
        Config = config.Validated();
        MaxDegreeOfParallelism = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        _table = PixelNormalizer.CreateTable(Config);
    }

    public QwenPreprocessorConfig Config { get; }

    public int MaxDegreeOfParallelism { get; }

    /// <summary>The size the image is resized to (smart_resize, or the original size when do_resize is false).</summary>
    public (int Height, int Width) GetResizedSize(int height, int width)
    {
        if (Config.DoResize) return SmartResize.Compute(height, width, Config);
        if (height % Config.Factor != 0 || width % Config.Factor != 0)
            throw new PreprocessingException(PreprocessingErrorCode.SizeNotAligned,
                $"image is {width}x{height} and do_resize is false, so both sides must be multiples of {Config.Factor}");
        return (height, width);
    }

    /// <summary>The grid (and so the token count) of an image of this size, without processing it.</summary>
    public ImageGrid GetGrid(int height, int width)
    {
        var (h, w) = GetResizedSize(height, width);
        return new ImageGrid(1, h / Config.PatchSize, w / Config.PatchSize);
    }

    public ProcessedImage Process(RgbImage image)
    {
        var (h, w) = GetResizedSize(image.Height, image.Width);
        var grid = new ImageGrid(1, h / Config.PatchSize, w / Config.PatchSize);
        var output = AllocateOutput([grid]);
        fixed (float* o = output) ProcessInto(image, h, w, o);
        return new ProcessedImage(output, Config.RowLength, grid, grid.TokenCount(Config.MergeSize), h, w);
    }

    /// <summary>Floats of pixel_values for an image of this size: patches · RowLength.</summary>
    public int GetPixelValuesLength(int height, int width) => checked(GetGrid(height, width).PatchCount * Config.RowLength);

    /// <summary>
    /// Writes the image's pixel_values into <paramref name="destination"/> (at least
    /// <see cref="GetPixelValuesLength"/> floats; e.g. a pooled buffer or a tensor's memory) and returns its grid.
    /// Saves the 50 MB allocation of a fresh array per 1920×1088 Qwen3-VL image.
    /// </summary>
    public ImageGrid ProcessInto(RgbImage image, Memory<float> destination)
    {
        var (h, w) = GetResizedSize(image.Height, image.Width);
        var grid = new ImageGrid(1, h / Config.PatchSize, w / Config.PatchSize);
        long needed = (long)grid.PatchCount * Config.RowLength;
        if (destination.Length < needed)
            throw new ArgumentException($"destination holds {destination.Length} floats; this image needs {needed}", nameof(destination));
        using var pin = destination.Pin();
        ProcessInto(image, h, w, (float*)pin.Pointer);
        return grid;
    }

    /// <summary>Processes images one after another into one concatenated pixel_values, with one grid each.</summary>
    public ProcessedImageBatch ProcessMany(IReadOnlyList<RgbImage> images)
    {
        var sizes = new (int H, int W)[images.Count];
        var grids = new ImageGrid[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            sizes[i] = GetResizedSize(images[i].Height, images[i].Width);
            grids[i] = new ImageGrid(1, sizes[i].H / Config.PatchSize, sizes[i].W / Config.PatchSize);
        }
        var output = AllocateOutput(grids);
        long offset = 0;
        fixed (float* o = output)
        {
            for (int i = 0; i < images.Count; i++)
            {
                ProcessInto(images[i], sizes[i].H, sizes[i].W, o + offset);
                offset += (long)grids[i].PatchCount * Config.RowLength;
            }
        }
        return new ProcessedImageBatch(output, Config.RowLength, grids, grids.Select(g => g.TokenCount(Config.MergeSize)).ToArray());
    }

    private float[] AllocateOutput(IEnumerable<ImageGrid> grids)
    {
        long total = 0;
        foreach (var g in grids) total += (long)g.PatchCount * Config.RowLength;
        if (total > Array.MaxLength)
            throw new PreprocessingException(PreprocessingErrorCode.OutputTooLarge,
                $"pixel_values would hold {total} floats, more than one array can ({Array.MaxLength}); lower max_pixels or send fewer images");
        // Every element is written below, so skip zeroing (~50 MB for a 1920×1088 Qwen3-VL image).
        return GC.AllocateUninitializedArray<float>((int)total);
    }

    // destination: pinned, room for this image's patches · RowLength floats.
    private void ProcessInto(RgbImage image, int height, int width, float* destination)
    {
        var horizontal = BicubicKernel.Create(image.Width, width);
        var vertical = BicubicKernel.Create(image.Height, height);
        int firstRow = vertical.MinInput;
        int rowCount = vertical.MaxInputExclusive - firstRow;
        // The source rows the vertical pass reads, resampled to the new width, as 3 byte planes. Bounded by the
        // input's own size or the output's, but refuse rather than overflow for pathological inputs.
        if (3L * rowCount * width > Array.MaxLength)
            throw new PreprocessingException(PreprocessingErrorCode.OutputTooLarge,
                $"image {image.Width}x{image.Height} → {width}x{height} needs a {3L * rowCount * width}-byte intermediate, beyond one array");
        int planeSize = rowCount * width;
        byte[] planes = ArrayPool<byte>.Shared.Rent(3 * planeSize);
        try
        {
            HorizontalPass.Run(image, horizontal, firstRow, rowCount, planes, MaxDegreeOfParallelism);

            var layout = new PatchLayout(Config, width);
            int bandHeight = layout.BandHeight;
            int blockRows = height / bandHeight;
            fixed (byte* planesPtr = planes)
            fixed (float* tablePtr = _table)
            fixed (int* weightsPtr = vertical.Weights)
            {
                nint planesAddress = (nint)planesPtr, imageAddress = (nint)destination;
                nint tableAddress = (nint)tablePtr, weightsAddress = (nint)weightsPtr;
                var options = new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism };
                // Per worker: one block row of normalised floats, 3 planes × M·P rows × w' (737 KB for Qwen3 at w' 1920),
                // then one pixel_values row of scratch.
                int bandFloats = 3 * bandHeight * width + Config.RowLength;
                Parallel.For(0, blockRows, options, () => ArrayPool<float>.Shared.Rent(bandFloats), (blockRow, _, band) =>
                {
                    fixed (float* bandPtr = band)
                    {
                        for (int c = 0; c < 3; c++)
                            for (int r = 0; r < bandHeight; r++)
                            {
                                int y = blockRow * bandHeight + r;
                                VerticalPass.RowToFloats((byte*)planesAddress + (nint)c * planeSize, width, vertical.First[y] - firstRow,
                                    vertical.Count[y], (int*)weightsAddress + (nint)y * vertical.Stride, (float*)tableAddress + c * 256,
                                    bandPtr + ((nint)c * bandHeight + r) * width);
                            }
                        layout.WriteBand(bandPtr, width, blockRow, (float*)imageAddress, bandPtr + 3 * bandHeight * width);
                    }
                    return band;
                }, band => ArrayPool<float>.Shared.Return(band));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(planes);
        }
    }
}
