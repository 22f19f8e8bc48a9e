namespace VLOrleans.Engine.Imaging;

/// <summary>What the header alone says: format and stored pixel size (no pixels decoded).</summary>
public readonly record struct ImageHeader(ImageFormat Format, int Width, int Height);
