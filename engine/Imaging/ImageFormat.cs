namespace VLOrleans.Engine.Imaging;

/// <summary>The raster formats the decoder accepts (sniffed from magic bytes, never a file name).</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
    Bmp,
    Gif,
}
