namespace VLOrleans.Engine.Imaging;

/// <summary>The decoder's result: upright 8-bit RGB pixels and the facts about the file.</summary>
public sealed record DecodedImage(RgbImage Image, ImageFacts Facts);
