using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// A converted model folder (layout in engine/Models/Conversion/KV_CACHE.md and the converter's summary): the HF json and
/// tokenizer files at the top, graphs, embedding table and <c>manifest.json</c> under <c>onnx/</c>. Opening reads and
/// checks the metadata only; graphs are loaded by the engine from <see cref="VisionPath"/>/<see cref="DecoderPath"/>.
/// </summary>
public sealed class ModelPackage
{
    public const string OnnxFolderName = "onnx";

    private ModelPackage(string folder, QwenVlConfig config, ModelPackageManifest manifest)
    {
        Folder = folder;
        Config = config;
        Manifest = manifest;
    }

    public string Folder { get; }

    public QwenVlConfig Config { get; }

    public ModelPackageManifest Manifest { get; }

    public string OnnxFolder => Path.Combine(Folder, OnnxFolderName);

    public IReadOnlyCollection<string> VariantNames => Manifest.Variants.Keys;

    public string EmbedTokensPath => Path.Combine(OnnxFolder, Manifest.EmbedTokens.File);

    public string VisionPath(string variant) => Path.Combine(OnnxFolder, Variant(variant).Vision);

    public string DecoderPath(string variant) => Path.Combine(OnnxFolder, Variant(variant).Decoder);

    /// <summary>The variant's decode-step graph, or null when it decodes with <see cref="DecoderPath"/>.</summary>
    public string? DecodeDecoderPath(string variant) => Variant(variant).DecodeDecoder is { } file ? Path.Combine(OnnxFolder, file) : null;

    /// <summary>The element type of the variant's KV cache (float32 unless the variant says float16).</summary>
    public OnnxElementType KvCacheType(string variant) => (Variant(variant).KvDtype ?? Manifest.Decoder.KvDtype) switch
    {
        "float32" => OnnxElementType.Float,
        "float16" => OnnxElementType.Float16,
        var other => throw new ModelLoadException($"{Folder}: variant '{variant}' has KV cache type '{other}' (this engine reads float32 and float16)"),
    };

    /// <summary>Bytes of a graph file and its external data on disk: <c>&lt;file&gt;.data</c> (our packages) or the
    /// <c>&lt;file&gt;_data</c>, <c>_data_1</c>, … shards of onnx-community exports.</summary>
    public static long GraphBytes(string graphPath)
    {
        var total = new FileInfo(graphPath).Length;
        if (File.Exists(graphPath + ".data")) total += new FileInfo(graphPath + ".data").Length;
        foreach (var shard in Directory.EnumerateFiles(Path.GetDirectoryName(Path.GetFullPath(graphPath))!, Path.GetFileName(graphPath) + "_data*"))
            total += new FileInfo(shard).Length;
        return total;
    }

    public VariantEntry Variant(string name) =>
        Manifest.Variants.TryGetValue(name, out var v) ? v
            : throw new ModelLoadException($"{Folder}: the package has no '{name}' variant (it has {string.Join(", ", VariantNames)})");

    /// <summary>The first of <paramref name="preferred"/> the package has, else any (in the order int4, int8, fp16, fp32).</summary>
    public string ChooseVariant(params string[] preferred)
    {
        foreach (var name in preferred.Concat(["int4", "int8", "fp16", "fp32"]))
        {
            if (Manifest.Variants.ContainsKey(name)) return name;
        }
        return Manifest.Variants.Keys.FirstOrDefault() ?? throw new ModelLoadException($"{Folder}: the manifest lists no variants");
    }

    /// <summary>A package whose manifest is built in memory rather than read from <c>onnx/manifest.json</c> (the
    /// onnx-community layout, see <see cref="OnnxCommunity.OnnxCommunityPackage"/>).</summary>
    internal static ModelPackage FromManifest(string folder, QwenVlConfig config, ModelPackageManifest manifest) => new(folder, config, manifest);

    /// <exception cref="ModelLoadException">Missing config/manifest/tokenizer/preprocessor config, a manifest naming missing files, or a family mismatch.</exception>
    public static ModelPackage Open(string folder)
    {
        if (!Directory.Exists(folder)) throw new ModelLoadException($"{folder}: model folder not found");
        var config = QwenVlConfig.Load(folder);
        var manifestPath = Path.Combine(folder, OnnxFolderName, ModelPackageManifest.FileName);
        if (!File.Exists(manifestPath)) throw new ModelLoadException($"{manifestPath}: not found; convert the checkpoint with `vl convert`");
        var manifest = ModelPackageManifest.Parse(File.ReadAllText(manifestPath), manifestPath);
        var package = new ModelPackage(folder, config, manifest);
        if (FamilyName(config.Family) != manifest.Family)
            throw new ModelLoadException($"{manifestPath}: family '{manifest.Family}' does not match config.json ({FamilyName(config.Family)})");
        foreach (var path in manifest.Variants.Keys.SelectMany(v => new[] { package.VisionPath(v), package.DecoderPath(v), package.DecodeDecoderPath(v) }.OfType<string>()).Append(package.EmbedTokensPath))
        {
            if (!File.Exists(path)) throw new ModelLoadException($"{manifestPath}: lists {Path.GetFileName(path)}, which is missing");
        }
        RequiredModelFiles.CheckModel(folder);
        return package;
    }

    /// <summary>HF model_type of a family.</summary>
    public static string FamilyName(QwenVlFamily family) => family switch
    {
        QwenVlFamily.Qwen2Vl => "qwen2_vl",
        QwenVlFamily.Qwen25Vl => "qwen2_5_vl",
        QwenVlFamily.Qwen3Vl => "qwen3_vl",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };
}
