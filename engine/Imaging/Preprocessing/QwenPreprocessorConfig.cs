using System.Text.Json;

namespace VLOrleans.Engine.Imaging.Preprocessing;

/// <summary>
/// The image-processor settings of a Qwen2-VL, Qwen2.5-VL or Qwen3-VL model directory.
/// Defaults are those of Hugging Face's <c>Qwen2VLImageProcessor</c> class, used only when the json lacks a field:
/// min_pixels 56·56 = 3136, max_pixels 28·28·1280 = 1,003,520, patch 14, temporal 2, merge 2, CLIP mean/std, 1/255.
/// (The shipped jsons override the pixel limits: Qwen2/2.5-VL 3136…12,845,056; Qwen3-VL 65,536…16,777,216.)
/// </summary>
public sealed record QwenPreprocessorConfig
{
    public static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    public int PatchSize { get; init; } = 14;
    public int TemporalPatchSize { get; init; } = 2;
    public int MergeSize { get; init; } = 2;

    /// <summary>Lower bound on h'·w' (a pixel COUNT; Qwen3's <c>size.shortest_edge</c> means this too).</summary>
    public long MinPixels { get; init; } = 56 * 56;

    /// <summary>Upper bound on h'·w' (a pixel COUNT; Qwen3's <c>size.longest_edge</c>).</summary>
    public long MaxPixels { get; init; } = 28 * 28 * 1280;

    public bool DoResize { get; init; } = true;
    public bool DoRescale { get; init; } = true;
    public double RescaleFactor { get; init; } = 1.0 / 255;
    public bool DoNormalize { get; init; } = true;

    /// <summary>Per-channel R, G, B mean (float32, as numpy casts it to the image's dtype).</summary>
    public IReadOnlyList<float> ImageMean { get; init; } = ClipMean;
    public IReadOnlyList<float> ImageStd { get; init; } = ClipStd;

    /// <summary>Both sides of the resized image are multiples of this (28 for patch 14, 32 for patch 16).</summary>
    public int Factor => PatchSize * MergeSize;

    /// <summary>Values of one pixel_values row: 3 channels · temporal · P · P (1176 for P=14, 1536 for P=16).</summary>
    public int RowLength => 3 * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Qwen2-VL-2B-Instruct / Qwen2.5-VL-*-Instruct preprocessor_config.json values.</summary>
    public static QwenPreprocessorConfig Qwen2VL { get; } = new() { MinPixels = 3136, MaxPixels = 12845056 };

    /// <summary>Qwen3-VL-*-Instruct preprocessor_config.json values (patch 16, mean/std 0.5).</summary>
    public static QwenPreprocessorConfig Qwen3VL { get; } = new()
    {
        PatchSize = 16,
        MinPixels = 65536,
        MaxPixels = 16777216,
        ImageMean = [0.5f, 0.5f, 0.5f],
        ImageStd = [0.5f, 0.5f, 0.5f],
    };

    /// <summary>Reads a Hugging Face <c>preprocessor_config.json</c> or an ONNX Runtime GenAI <c>processor_config.json</c>.</summary>
    public static QwenPreprocessorConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PreprocessingException(PreprocessingErrorCode.InvalidConfig, $"cannot read preprocessor config {path}: {e.Message}", e);
        }
        return Parse(json);
    }

    /// <summary>Parses either json layout; see <see cref="Load"/>.</summary>
    public static QwenPreprocessorConfig Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid("the root must be a JSON object");
            var config = root.TryGetProperty("processor", out var processor) && processor.ValueKind == JsonValueKind.Object
                ? ParseOrtExtensions(processor)
                : ParseHuggingFace(root);
            return config.Validated();
        }
        catch (JsonException e)
        {
            throw new PreprocessingException(PreprocessingErrorCode.InvalidConfig, $"preprocessor config is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement.GetXxx on a value of the wrong kind (e.g. "patch_size": "14").
            throw new PreprocessingException(PreprocessingErrorCode.InvalidConfig, $"preprocessor config has a value of the wrong type: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new PreprocessingException(PreprocessingErrorCode.InvalidConfig, $"preprocessor config has a number out of range: {e.Message}", e);
        }
    }

    // Hugging Face: top-level fields. min_pixels/max_pixels win over size{} (Qwen2VLImageProcessor's
    // "backward compatibility" rule, and transformers.js's `min_pixels ?? size.shortest_edge`).
    private static QwenPreprocessorConfig ParseHuggingFace(JsonElement root)
    {
        var d = new QwenPreprocessorConfig();
        long? sizeMin = null, sizeMax = null;
        if (root.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Object)
        {
            sizeMin = OptLong(size, "shortest_edge") ?? OptLong(size, "min_pixels");
            sizeMax = OptLong(size, "longest_edge") ?? OptLong(size, "max_pixels");
        }
        return d with
        {
            PatchSize = OptInt(root, "patch_size") ?? d.PatchSize,
            TemporalPatchSize = OptInt(root, "temporal_patch_size") ?? d.TemporalPatchSize,
            MergeSize = OptInt(root, "merge_size") ?? d.MergeSize,
            MinPixels = OptLong(root, "min_pixels") ?? sizeMin ?? d.MinPixels,
            MaxPixels = OptLong(root, "max_pixels") ?? sizeMax ?? d.MaxPixels,
            DoResize = OptBool(root, "do_resize") ?? d.DoResize,
            DoRescale = OptBool(root, "do_rescale") ?? d.DoRescale,
            RescaleFactor = OptDouble(root, "rescale_factor") ?? d.RescaleFactor,
            DoNormalize = OptBool(root, "do_normalize") ?? d.DoNormalize,
            ImageMean = OptTriple(root, "image_mean") ?? d.ImageMean,
            ImageStd = OptTriple(root, "image_std") ?? d.ImageStd,
        };
    }

    // onnxruntime-extensions: {"processor": {"transforms": [{"operation": {"type": "Resize", "attrs": {...}}}, ...]}}.
    private static QwenPreprocessorConfig ParseOrtExtensions(JsonElement processor)
    {
        var c = new QwenPreprocessorConfig { DoRescale = false, DoNormalize = false };
        if (!processor.TryGetProperty("transforms", out var transforms) || transforms.ValueKind != JsonValueKind.Array)
            throw Invalid("processor.transforms must be an array");
        foreach (var item in transforms.EnumerateArray())
        {
            if (!item.TryGetProperty("operation", out var op) || op.ValueKind != JsonValueKind.Object) continue;
            var type = op.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var attrs = op.TryGetProperty("attrs", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
            bool has = attrs.ValueKind == JsonValueKind.Object;
            switch (type)
            {
                case "Resize":
                    c = c with
                    {
                        MinPixels = (has ? OptLong(attrs, "min_pixels") : null) ?? c.MinPixels,
                        MaxPixels = (has ? OptLong(attrs, "max_pixels") : null) ?? c.MaxPixels,
                        PatchSize = (has ? OptInt(attrs, "patch_size") : null) ?? c.PatchSize,
                        MergeSize = (has ? OptInt(attrs, "merge_size") : null) ?? c.MergeSize,
                    };
                    break;
                case "Rescale":
                    c = c with { DoRescale = true, RescaleFactor = (has ? OptDouble(attrs, "rescale_factor") : null) ?? c.RescaleFactor };
                    break;
                case "Normalize":
                    c = c with
                    {
                        DoNormalize = true,
                        ImageMean = (has ? OptTriple(attrs, "mean") : null) ?? c.ImageMean,
                        ImageStd = (has ? OptTriple(attrs, "std") : null) ?? c.ImageStd,
                    };
                    break;
                case "PatchImage":
                    c = c with
                    {
                        PatchSize = (has ? OptInt(attrs, "patch_size") : null) ?? c.PatchSize,
                        TemporalPatchSize = (has ? OptInt(attrs, "temporal_patch_size") : null) ?? c.TemporalPatchSize,
                        MergeSize = (has ? OptInt(attrs, "merge_size") : null) ?? c.MergeSize,
                    };
                    break;
            }
        }
        return c;
    }

    /// <summary>Checks every value a processor relies on; throws <see cref="PreprocessingErrorCode.InvalidConfig"/>.</summary>
    public QwenPreprocessorConfig Validated()
    {
        // Upper bounds keep every derived size (factor, row length, pixel counts) far inside int/long range.
        if (PatchSize is < 1 or > 1024) throw Invalid($"patch_size must be 1..1024, got {PatchSize}");
        if (MergeSize is < 1 or > 64) throw Invalid($"merge_size must be 1..64, got {MergeSize}");
        if (TemporalPatchSize is < 1 or > 64) throw Invalid($"temporal_patch_size must be 1..64, got {TemporalPatchSize}");
        if (MinPixels < 0) throw Invalid($"min_pixels must not be negative, got {MinPixels}");
        if (MaxPixels < 1) throw Invalid($"max_pixels must be positive, got {MaxPixels}");
        if (ImageMean.Count != 3 || ImageStd.Count != 3) throw Invalid("image_mean and image_std need 3 values (R, G, B)");
        foreach (var s in ImageStd)
            if (!(s != 0 && float.IsFinite(s))) throw Invalid($"image_std values must be finite and non-zero, got {s}");
        foreach (var m in ImageMean)
            if (!float.IsFinite(m)) throw Invalid($"image_mean values must be finite, got {m}");
        if (!double.IsFinite(RescaleFactor)) throw Invalid($"rescale_factor must be finite, got {RescaleFactor}");
        return this;
    }

    private static PreprocessingException Invalid(string why) =>
        new(PreprocessingErrorCode.InvalidConfig, $"invalid preprocessor config: {why}");

    private static bool Present(JsonElement o, string name, out JsonElement v) =>
        o.TryGetProperty(name, out v) && v.ValueKind != JsonValueKind.Null;

    private static int? OptInt(JsonElement o, string name) => Present(o, name, out var v) ? v.GetInt32() : null;

    private static long? OptLong(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        // Some exports write pixel counts as 3136.0.
        if (v.TryGetInt64(out long l)) return l;
        double d = v.GetDouble();
        if (d != Math.Floor(d) || Math.Abs(d) > 1e15) throw Invalid($"{name} must be an integer, got {d}");
        return (long)d;
    }

    private static double? OptDouble(JsonElement o, string name) => Present(o, name, out var v) ? v.GetDouble() : null;

    private static bool? OptBool(JsonElement o, string name) => Present(o, name, out var v) ? v.GetBoolean() : null;

    // HF accepts a single float for all channels or a list of three.
    private static float[]? OptTriple(JsonElement o, string name)
    {
        if (!Present(o, name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) { float f = (float)v.GetDouble(); return [f, f, f]; }
        if (v.ValueKind != JsonValueKind.Array) throw Invalid($"{name} must be a number or a list of numbers");
        var list = v.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        return list.Length == 1 ? [list[0], list[0], list[0]] : list;
    }
}
