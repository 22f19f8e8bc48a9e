using VLOrleans.Engine.Imaging.Native;

namespace VLOrleans.Engine.Imaging.Decoding;

/// <summary>
/// JPEG through TurboJPEG: baseline, progressive and arithmetic-coded 8-bit files, grey, YCbCr,
/// CMYK and YCCK. Huge files are decoded with DCT scaling (the IDCT emits n/8 of each block), so
/// neither the library nor we hold a full-size buffer.
/// </summary>
internal static unsafe class JpegDecoding
{
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        var markers = JpegMarkers.Scan(data);
        RefuseUnsupported(markers);
        return new ImageHeader(ImageFormat.Jpeg, markers.Width, markers.Height);
    }

    public static ReadOnlySpan<byte> ExifBlock(ReadOnlySpan<byte> data)
    {
        var markers = JpegMarkers.Scan(data);
        return markers.ExifLength > 0 ? data.Slice(markers.ExifOffset, markers.ExifLength) : default;
    }

    public static FormatDecodeResult Decode(ReadOnlySpan<byte> data, ImageLimits limits)
    {
        var markers = JpegMarkers.Scan(data);
        RefuseUnsupported(markers);
        using var tj = TurboJpeg.CreateDecompressor();
        fixed (byte* src = data)
        {
            if (TurboJpeg.DecompressHeader(tj, src, data.Length, out var width, out var height, out _, out var colorspace) != 0)
                RefuseUnlessBenign(tj, "header");
            ImageLimitChecks.CheckDimensions(ImageFormat.Jpeg, width, height, limits);
            var (dw, dh) = ScaledSize(width, height, limits.MaxDecodePixels);
            var cmyk = colorspace is TurboJpeg.ColorspaceCmyk or TurboJpeg.ColorspaceYcck;
            var rgb = GC.AllocateUninitializedArray<byte>(checked(dw * dh * 3));
            if (!cmyk)
            {
                fixed (byte* dst = rgb) Run(tj, src, data.Length, dst, dw, dw * 3, dh, TurboJpeg.PixelFormatRgb);
            }
            else
            {
                // TurboJPEG cannot convert CMYK to RGB itself; it emits CMYK (YCCK already undone).
                using var cmykPixels = new ScratchBuffer(4L * dw * dh);
                Run(tj, src, data.Length, cmykPixels.Pointer, dw, dw * 4, dh, TurboJpeg.PixelFormatCmyk);
                CmykConversion.ToRgb(cmykPixels.Span, rgb, adobeInverted: markers.HasAdobeSegment);
            }
            return new FormatDecodeResult(new RgbImage(dw, dh, rgb), HadAlpha: false, IsAnimated: false);
        }
    }

    /// <summary>
    /// The decode size: the largest TurboJPEG scaling factor ≤ 1 (2.1 offers n/8, n = 1..8) whose
    /// output has at most <paramref name="maxDecodePixels"/>; 1/8 if none does.
    /// Scaled sides round up, as TJSCALED does: ceil(side·num/denom).
    /// </summary>
    internal static (int Width, int Height) ScaledSize(int width, int height, long maxDecodePixels)
    {
        if ((long)width * height <= maxDecodePixels) return (width, height);
        var factors = TurboJpeg.ScalingFactors
            .Where(f => f.Num <= f.Denom)
            .OrderByDescending(f => (double)f.Num / f.Denom)
            .ToList();
        (int, int) smallest = (width, height);
        foreach (var f in factors)
        {
            var w = (int)(((long)width * f.Num + f.Denom - 1) / f.Denom);
            var h = (int)(((long)height * f.Num + f.Denom - 1) / f.Denom);
            smallest = (w, h);
            if ((long)w * h <= maxDecodePixels) return (w, h);
        }
        return smallest;
    }

    private static void Run(TurboJpegHandle tj, byte* src, int size, byte* dst, int width, int pitch, int height, int pixelFormat)
    {
        if (TurboJpeg.Decompress(tj, src, size, dst, width, pitch, height, pixelFormat, TurboJpeg.FlagLimitScans) == 0) return;
        RefuseUnlessBenign(tj, "image data");
    }

    private static void RefuseUnlessBenign(TurboJpegHandle tj, string where)
    {
        var message = TurboJpeg.ErrorText(tj);
        // libjpeg carries on after recoverable damage (extraneous bytes, bad Huffman codes) and
        // reports a warning; we accept those pictures as libjpeg does, except a premature end,
        // where the rest of the image would be grey fill.
        if (TurboJpeg.LastErrorIsWarning(tj) && !message.Contains("Premature end", StringComparison.OrdinalIgnoreCase)) return;
        throw Classify(message, where);
    }

    private static ImageRejectedException Classify(string message, string where)
    {
        if (message.Contains("Premature end", StringComparison.OrdinalIgnoreCase))
            return Reject.Truncated($"The JPEG file is cut off: its {where} ends early ({message}).");
        if (message.Contains("Unsupported", StringComparison.OrdinalIgnoreCase) || message.Contains("not supported", StringComparison.OrdinalIgnoreCase))
            return Reject.Unsupported($"This JPEG uses a feature the decoder does not support ({message}); re-save it as a baseline JPEG or PNG.");
        return Reject.Corrupt($"The JPEG file is damaged ({message}).");
    }

    private static void RefuseUnsupported(JpegMarkers m)
    {
        if (m.IsLossless)
            throw Reject.Unsupported("This file is a lossless JPEG (SOF3), which the decoder does not support; re-save it as a baseline JPEG or PNG.");
        if (m.IsHierarchical)
            throw Reject.Unsupported("This file is a hierarchical JPEG, which the decoder does not support; re-save it as a baseline JPEG or PNG.");
        if (m.Precision != 8)
            throw Reject.Unsupported($"This JPEG stores {m.Precision}-bit samples; the decoder supports 8-bit JPEG only (re-save it as an 8-bit JPEG or PNG).");
        if (m.Components is not (1 or 3 or 4))
            throw Reject.Unsupported($"This JPEG has {m.Components} colour components; the decoder supports grey (1), colour (3) and CMYK (4).");
    }
}
