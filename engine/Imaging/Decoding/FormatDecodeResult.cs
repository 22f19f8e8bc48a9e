namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>One format decoder's output: RGB pixels as stored (orientation not yet applied).</summary>
internal readonly record struct FormatDecodeResult(RgbImage Pixels, bool HadAlpha, bool IsAnimated);
