namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// The value every byte 0..255 of each channel becomes after rescale and normalise, as a 3×256 float table.
/// A table makes the arithmetic exactly Hugging Face's numpy order at no cost per pixel:
/// rescale multiplies in float64 then casts to float32 (<c>image.astype(float64) * scale → float32</c>),
/// normalise subtracts and divides in float32 with mean/std cast to float32.
/// </summary>
internal static class PixelNormalizer
{
    public static float[] CreateTable(QwenPreprocessorConfig config)
    {
        var table = new float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            float mean = config.ImageMean[c], std = config.ImageStd[c];
            for (int v = 0; v < 256; v++)
            {
                float x = config.DoRescale ? (float)(v * config.RescaleFactor) : v;
                if (config.DoNormalize) x = (x - mean) / std;
                table[c * 256 + v] = x;
            }
        }
        return table;
    }
}
