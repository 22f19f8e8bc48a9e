using VLOrleans.Engine.Imaging;

namespace VLOrleans.Engine.Tests.Imaging;

/// <summary>
/// Every file of ../shared/images/malformed either decodes correctly or is rejected with a reason
/// code; the expected outcome of each comes from its MANIFEST.md description (quoted in comments).
/// </summary>
public sealed class MalformedCorpusTests
{
    private static readonly ImageDecoder Decoder = new();

    [Theory]
    // "Progressive (SOF2) YCCK JPEG (Adobe transform=2)"
    [InlineData("jpegjs__cmyk-grey.jpg", ImageFormat.Jpeg, 300, 389)]
    // "Adobe-inverted CMYK JPEG (APP14 transform=0, 4 components)"
    [InlineData("jpegjs__tree-cmyk-notransform.jpg", ImageFormat.Jpeg, 400, 250)]
    // "Valid WebP (VP8X+ALPH) whose bytes fooled libvips' SVG sniffer"
    [InlineData("libvips__looks-like-svg.webp", ImageFormat.WebP, 256, 256)]
    // "Lossless WebP whose colour-indexing transform uses out-of-bounds palette indices": libwebp 1.2.4 decodes it (regression fixed there)
    [InlineData("libwebp__bad_palette_index.webp", ImageFormat.WebP, 128, 128)]
    // "Arithmetic-coded JPEG (SOF9)": Debian's libjpeg-turbo is built with arithmetic decoding
    [InlineData("ljt__testimgari.jpg", ImageFormat.Jpeg, 227, 149)]
    // "RLE8 BMP whose run data writes past the image bounds": gdk-pixbuf clips the runs
    [InlineData("pillow__bmp_b_badrle.bmp", ImageFormat.Bmp, 127, 64)]
    [InlineData("pillow__bmp_g_pal1.bmp", ImageFormat.Bmp, 127, 64)]
    [InlineData("pillow__bmp_g_pal8rle.bmp", ImageFormat.Bmp, 127, 64)]
    // "32-bit BMP with real alpha channel via BITFIELDS"
    [InlineData("pillow__bmp_q_rgba32.bmp", ImageFormat.Bmp, 127, 64)]
    // "~390 KB ICC profile split across many APP2 segments"
    [InlineData("pillow__icc_profile_big.jpg", ImageFormat.Jpeg, 425, 250)]
    // "junk bytes inserted between markers before DQT (decoders warn 'extraneous bytes')"
    [InlineData("pillow__junk_jpeg_header.jpg", ImageFormat.Jpeg, 1024, 768)]
    // "Photoshop 4-component YCCK JPEG (Adobe APP14 transform=2, inverted CMYK values)"
    [InlineData("pillow__pil_sample_cmyk.jpg", ImageFormat.Jpeg, 100, 100)]
    // "1x1 PNG with three 2 KB zTXt chunks that each inflate to a huge text": the pixels are fine, text is never inflated unbounded
    [InlineData("pillow__png_decompression_dos.png", ImageFormat.Png, 1, 1)]
    // "Multi-Picture (MPO) stereo file named .jpg with a broken MP-index header": the first picture is a plain JPEG
    [InlineData("pillow__sugarshack_bad_mpo_header.jpg", ImageFormat.Jpeg, 640, 480)]
    // "Wrong extension: JPEG data named .png" / "WebP data named .png": sniffed from bytes
    [InlineData("qwen25vl__docparsing_example5_is_jpeg.png", ImageFormat.Jpeg, 1604, 1692)]
    [InlineData("qwen25vl__multiple_items_is_webp.png", ImageFormat.WebP, 640, 465)]
    // "Real photo as YCCK JPEG with a ~544 KiB embedded CMYK ICC profile"
    [InlineData("sharp__Channel_digital_image_CMYK_color.jpg", ImageFormat.Jpeg, 500, 333)]
    // "Animated WebP (10 frames)" / "Animated GIF, 15 frames": first frame
    [InlineData("sharp__animated-loop-3.webp", ImageFormat.WebP, 370, 285)]
    [InlineData("wuffs__muybridge.gif", ImageFormat.Gif, 30, 20)]
    public void Decodes(string name, ImageFormat format, int width, int height)
    {
        var entry = CorpusManifest.Get("malformed", name);
        var result = Decoder.Decode(File.ReadAllBytes(entry.FullPath));
        Assert.Equal(format, result.Facts.Format);
        Assert.Equal((width, height), (result.Image.Width, result.Image.Height));
        Assert.Equal(entry.DeclaredSize, (result.Facts.FileWidth, result.Facts.FileHeight));
        Assert.Equal(entry.Note.Contains("Animated", StringComparison.Ordinal), result.Facts.IsAnimated);
        Assert.Equal(RealCorpusTests.ReferenceHash(result.Image), result.Facts.ContentHash);
    }

    [Theory]
    // "iCCP / zTXt / IDAT declares 1073741823 bytes but file ends"
    [InlineData("libpng__huge_IDAT.png", "truncated", "cut off")]
    [InlineData("libpng__huge_iCCP_chunk.png", "truncated", "cut off")]
    [InlineData("libpng__huge_zTXt_chunk.png", "truncated", "cut off")]
    // "AVIF bomb: 1340-byte file declaring 17000x17000"; "HEIC (HEVC-coded HEIF)"
    [InlineData("libvips__17000x17000.avif", "unsupported_format", "AVIF")]
    [InlineData("pillow__hopper.heif", "unsupported_format", "HEIC")]
    // "575x800 GIF truncated mid-LZW stream"
    [InlineData("libvips__truncated.gif", "truncated", "cut off")]
    // "a gzip stream with a bogus ISIZE ... payload is JSON, not SVG"
    [InlineData("libvips__truncated.svgz", "unsupported_format", "gzip")]
    // "12-bit precision JPEG (SOF1, P=12)"; "Lossless JPEG (SOF3)"
    [InlineData("ljt__monkey12.jpg", "unsupported_format", "12-bit")]
    [InlineData("sharp__testimgl.jpg", "unsupported_format", "lossless")]
    // Pixel bombs: "declaring 3000000x2000000", "65535x1321 frame at y=65280", "20000x14000 (280 MP)", "65536x65536 (4.29 Gpx)"
    [InlineData("pillow__bmp_b_reallybig.bmp", "too_many_pixels", "megapixels")]
    [InlineData("pillow__decompression_bomb.gif", "too_many_pixels", "megapixels")]
    [InlineData("sharp__giant-image.jpg", "too_many_pixels", "megapixels")]
    [InlineData("sharp__65536-uint32-limit.png", "too_many_pixels", "megapixels")]
    // ICO (also the ICO bomb), TIFF (multi-page, fuzzer OOM, CCITT fax), SVG: named, unsupported
    [InlineData("pillow__decompression_bomb.ico", "unsupported_format", "ICO")]
    [InlineData("pillow__python.ico", "unsupported_format", "ICO")]
    [InlineData("pillow__multipage.tiff", "unsupported_format", "TIFF")]
    [InlineData("pillow__oom-225817ca0f8c663be7ab4b9e717b02c661e66834.tif", "unsupported_format", "TIFF")]
    [InlineData("sharp__G31D.TIF", "unsupported_format", "TIFF")]
    [InlineData("wuffs__hibiscus.primitive.svg", "unsupported_format", "SVG")]
    // "640x480 PNG truncated at 80 KiB inside IDAT"; truncated progressive JPEGs; "SOI + Canon EXIF APP1 only, no SOF/SOS"
    [InlineData("pillow__truncated_image.png", "truncated", "cut off")]
    [InlineData("pillow__truncated_jpeg.jpg", "truncated", "cut off")]
    [InlineData("wuffs__peacock.progressive.truncated.jpeg", "truncated", "cut off")]
    [InlineData("sharp__corrupt-header.jpg", "truncated", "frame header")]
    // "Apple CgBI iPhone-optimised PNG ... not a standard PNG"
    [InlineData("stb__iphone_bgyn6a16.png", "unsupported_format", "CgBI")]
    // PngSuite corrupt files: bad colour type, CR-LF-mangled and wrong signatures, IDAT/IHDR CRC errors, no IDAT
    [InlineData("stb__xc9n2c08.png", "corrupt", "PNG")]
    [InlineData("stb__xcrn0g04.png", "corrupt", "signature")]
    [InlineData("stb__xs1n0g01.png", "corrupt", "signature")]
    [InlineData("stb__xcsn0g01.png", "corrupt", "CRC")]
    [InlineData("stb__xhdn0g08.png", "corrupt", "CRC")]
    [InlineData("stb__xdtn0g01.png", "corrupt", "PNG")]
    // "Zero-byte file"
    [InlineData("wuffs__0.bytes", "empty", "empty")]
    public void Is_rejected_with_a_reason(string name, string code, string messageFragment)
    {
        var bytes = File.ReadAllBytes(CorpusManifest.Get("malformed", name).FullPath);
        var e = Assert.Throws<ImageRejectedException>(() => Decoder.Decode(bytes));
        Assert.Equal(code, e.Code);
        Assert.Contains(messageFragment, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("pillow__bmp_b_reallybig.bmp")]
    [InlineData("pillow__decompression_bomb.gif")]
    [InlineData("sharp__giant-image.jpg")]
    [InlineData("sharp__65536-uint32-limit.png")]
    public void Bombs_are_refused_from_the_header_without_allocating(string name)
    {
        var bytes = File.ReadAllBytes(CorpusManifest.Get("malformed", name).FullPath);
        // The header path alone refuses them (Decode runs it before any decoder is called) ...
        Assert.Equal("too_many_pixels", Assert.Throws<ImageRejectedException>(() => Decoder.ReadHeader(bytes)).Code);
        // ... and a full Decode allocates only the exception and its message (a 280 Mpx buffer would be 840 MB).
        Decoder.Decode(PngBuilder.Build(1, 1, 8, 0, [[0]])); // warm up (JIT, lazy native bindings)
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ImageRejectedException>(() => Decoder.Decode(bytes));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes refusing {name}");
    }

    [Fact]
    public void Every_malformed_file_has_an_expected_outcome()
    {
        var covered = typeof(MalformedCorpusTests).GetMethods()
            .SelectMany(m => m.GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
                .Where(_ => m.Name is nameof(Decodes) or nameof(Is_rejected_with_a_reason)))
            .Select(a => (string)a.GetData(null!).First()[0])
            .ToHashSet();
        var files = CorpusManifest.Entries.Where(e => e.Set == "malformed").Select(e => e.Name).ToList();
        Assert.Equal(50, files.Count);
        var missing = files.Where(f => !covered.Contains(f)).ToList();
        Assert.True(missing.Count == 0, "no expected outcome for: " + string.Join(", ", missing));
    }
}
