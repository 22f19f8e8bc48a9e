using System.Text.Json;
using System.Text.Json.Serialization;

namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// <c>onnx/manifest.json</c>: what a converted model package holds. Written by <c>vl convert</c>, read by
/// <see cref="ModelPackage"/>. Graph I/O is the same for every weight variant; variants differ only in how the weights
/// are stored (and a variant may keep its KV cache in float16 and add a decode-step graph), so the engine may pick any
/// listed variant.
/// </summary>
public sealed record ModelPackageManifest
{
    public const string FileName = "manifest.json";
    public const string FormatName = "vlorleans-model-package";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>HF model_type: qwen2_vl, qwen2_5_vl, qwen3_vl.</summary>
    public required string Family { get; init; }

    /// <summary>Fingerprint of the checkpoint converted (see CheckpointFingerprint); variants of one package share it.</summary>
    public string? SourceFingerprint { get; init; }

    public required EmbeddingTableEntry EmbedTokens { get; init; }

    public required VisionGraphEntry Vision { get; init; }

    public required DecoderGraphEntry Decoder { get; init; }

    /// <summary>Weight variants by name (fp32, fp16, int8, int4).</summary>
    public Dictionary<string, VariantEntry> Variants { get; init; } = new(StringComparer.Ordinal);

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <exception cref="ModelLoadException">Not valid JSON, another format, or a newer version.</exception>
    public static ModelPackageManifest Parse(string json, string path = FileName)
    {
        ModelPackageManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelPackageManifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: not a valid model package manifest ({e.Message})", e);
        }
        if (manifest is null) throw new ModelLoadException($"{path}: empty manifest");
        if (manifest.Format != FormatName) throw new ModelLoadException($"{path}: format '{manifest.Format}' is not '{FormatName}'");
        if (manifest.Version > CurrentVersion) throw new ModelLoadException($"{path}: manifest version {manifest.Version} is newer than this program reads ({CurrentVersion})");
        return manifest;
    }
}

/// <summary>One graph input or output: name, element type (ONNX spelling: float32, int64) and shape (numbers or symbolic names).</summary>
public sealed record GraphTensorEntry(string Name, string Dtype, string[] Shape);

/// <summary>The token embedding table the host looks rows up in (see <see cref="EmbeddingTable"/>).</summary>
public sealed record EmbeddingTableEntry(string File, string Tensor, string Dtype, long Rows, long Columns);

public sealed record VisionGraphEntry
{
    public required GraphTensorEntry[] Inputs { get; init; }

    public required GraphTensorEntry[] Outputs { get; init; }

    /// <summary>Number of <c>deepstack_features_{i}</c> outputs (0 without DeepStack).</summary>
    public int DeepstackCount { get; init; }

    public int SpatialMergeSize { get; init; }

    public int PatchRowLength { get; init; }

    /// <summary>Host-computed inputs: what each holds and which helper computes it.</summary>
    public Dictionary<string, string> AuxInputs { get; init; } = new(StringComparer.Ordinal);
}

public sealed record DecoderGraphEntry
{
    public required GraphTensorEntry[] Inputs { get; init; }

    public required GraphTensorEntry[] Outputs { get; init; }

    public int LayerCount { get; init; }

    public int HiddenSize { get; init; }

    public int AttentionHeadCount { get; init; }

    public int KeyValueHeadCount { get; init; }

    public int HeadDim { get; init; }

    public int VocabSize { get; init; }

    /// <summary>Chunks of H in <c>per_layer_inputs</c>; chunk d is added after decoder layer d.</summary>
    public int DeepstackCount { get; init; }

    /// <summary>"shared_max_length": past and present are the same [batch, kv_heads, max_len, head_dim] buffers (KV_CACHE.md).
    /// <see cref="Inputs"/>/<see cref="Outputs"/> list them as float32; <see cref="VariantEntry.KvDtype"/> may say float16.</summary>
    public string KvLayout { get; init; } = "shared_max_length";

    public string KvDtype { get; init; } = "float32";

    /// <summary>"last_position": logits [batch, 1, vocab] for the last input position of each row.</summary>
    public string Logits { get; init; } = "last_position";

    public string Attention { get; init; } = "com.microsoft.GroupQueryAttention";
}

/// <summary>One weight variant: its graph files and how they were quantised.</summary>
public sealed record VariantEntry
{
    public required string Weights { get; init; }

    public required string LmHead { get; init; }

    public required string Vision { get; init; }

    public required string Decoder { get; init; }

    /// <summary>MatMulNBits block size (int8/int4 only).</summary>
    public int? BlockSize { get; init; }

    /// <summary>MatMulNBits accuracy_level (int8/int4 only).</summary>
    public int? AccuracyLevel { get; init; }

    /// <summary>Element type of this variant's KV cache ("float32" or "float16"); null = <see cref="DecoderGraphEntry.KvDtype"/>
    /// (packages written before the choice existed are float32).</summary>
    public string? KvDtype { get; init; }

    /// <summary>Optional second decoder graph (same inputs and outputs, same KV buffers) the engine runs for decode steps;
    /// its linear layers are stored as <see cref="DecodeWeights"/> (fewer bytes per step), the prefill keeps
    /// <see cref="Decoder"/>.</summary>
    public string? DecodeDecoder { get; init; }

    /// <summary>Weight format of <see cref="DecodeDecoder"/> (e.g. int4).</summary>
    public string? DecodeWeights { get; init; }

    /// <summary>MatMulNBits block size of <see cref="DecodeDecoder"/>.</summary>
    public int? DecodeBlockSize { get; init; }

    /// <summary>How the main decoder graph attends: "gqa" (com.microsoft.GroupQueryAttention; loads in any ONNX Runtime),
    /// "switched" (vlorleans.DecodeAttention for one-token runs, GroupQueryAttention otherwise; the default) or "own"
    /// (vlorleans.DecodeAttention throughout, API only). A decode-step graph uses vlorleans.DecodeAttention throughout
    /// unless this is "gqa". null = "gqa" (packages written before the choice existed).</summary>
    public string? Attention { get; init; }

    public DateTimeOffset Created { get; init; }
}
