using System.Diagnostics;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Models.Safetensors;
using VLOrleans.Engine.Onnx;
using VLOrleans.Engine.OnnxGraph;
using VLOrleans.Engine.OnnxGraph.Proto;

namespace VLOrleans.Engine.Models.Conversion;

/// <summary>What one conversion wrote.</summary>
public sealed record ConversionResult(string Variant, string VisionPath, string DecoderPath, long VisionBytes, long DecoderBytes, TimeSpan Elapsed)
{
    /// <summary>The decode-step graph, when one was written (<see cref="ConversionOptions.DecodeWeights"/>).</summary>
    public string? DecodeDecoderPath { get; init; }

    public long DecodeDecoderBytes { get; init; }
}

/// <summary>
/// <c>vl convert</c>: a Hugging Face Qwen-VL checkpoint folder → a model package (ARCHITECTURE.md "Model package"):
/// <code>
/// &lt;to&gt;/config.json, preprocessor_config.json, generation_config.json, tokenizer*.json, chat template files  (copied)
/// &lt;to&gt;/onnx/manifest.json                       family, variants, graph I/O, KV layout, aux inputs
/// &lt;to&gt;/onnx/vision.&lt;variant&gt;.onnx (+ .data)        vision encoder
/// &lt;to&gt;/onnx/decoder.&lt;variant&gt;.onnx (+ .data)       text decoder
/// &lt;to&gt;/onnx/embed_tokens.safetensors              token embeddings as stored (looked up by the host)
/// </code>
/// Converting again with other weights adds a variant. Weights stream from the memory-mapped checkpoint one block at a
/// time, so memory stays near the size of the largest block plus the OS page cache; graphs are written under a temporary
/// name and moved into place, so a failed run leaves earlier variants intact.
/// </summary>
public static class ModelConverter
{
    /// <summary>Files copied from the checkpoint folder when present (config.json is required).</summary>
    public static readonly string[] CopiedFiles =
    [
        "config.json", "preprocessor_config.json", "video_preprocessor_config.json", "generation_config.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt",
        "chat_template.json", "chat_template.jinja",
    ];

    /// <exception cref="ModelLoadException">Missing or corrupt checkpoint (config.json, tokenizer.json and preprocessor_config.json
    /// are required), unsupported family, or a package of another model at <paramref name="to"/>.</exception>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <param name="progress">Told of each checkpoint tensor as conversion reaches it (for a progress bar and an ETA).</param>
    public static ConversionResult Convert(string from, string to, ConversionOptions options, Action<string>? log = null, IProgress<ConversionProgress>? progress = null)
    {
        options.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        if (!Directory.Exists(from)) throw new ModelLoadException($"{from}: checkpoint folder not found");
        var config = QwenVlConfig.Load(from);
        var spec = SpecFor(config.Family);
        using var checkpoint = SafetensorsCheckpoint.Open(from);
        var tracker = new ConversionProgressTracker(progress, checkpoint.TensorNames.Select(checkpoint.GetInfo).ToList(), secondTextPass: options.DecodeGraphOptions is not null);
        var tensors = new CheckpointTensors(checkpoint) { Progress = tracker };
        RequiredModelFiles.CheckCheckpoint(from); // before anything is written to the package folder

        var onnxFolder = Path.Combine(to, ModelPackage.OnnxFolderName);
        Directory.CreateDirectory(onnxFolder);
        var manifestPath = Path.Combine(onnxFolder, ModelPackageManifest.FileName);
        var existing = File.Exists(manifestPath) ? ModelPackageManifest.Parse(File.ReadAllText(manifestPath), manifestPath) : null;
        var familyName = ModelPackage.FamilyName(config.Family);
        var fingerprint = CheckpointFingerprint.Compute(from);
        if (existing is not null && existing.SourceFingerprint != fingerprint)
            throw new ModelLoadException($"{to}: already holds a package converted from another checkpoint ({existing.Family}, hidden {existing.Decoder.HiddenSize}); convert into an empty folder");

        foreach (var name in CopiedFiles)
        {
            var source = Path.Combine(from, name);
            if (File.Exists(source)) File.Copy(source, Path.Combine(to, name), overwrite: true);
        }

        log("embed_tokens");
        tracker.Step("embed_tokens", onnxFolder);
        var embed = WriteEmbeddingTable(tensors, spec.EmbedTokensTensor, Path.Combine(onnxFolder, "embed_tokens.safetensors"), reuse: existing is not null);

        var variant = options.VariantName;
        var staging = Path.Combine(onnxFolder, $".partial-{variant}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        var linear = new LinearLayerWriter(tensors, options);
        var visionFile = $"vision.{variant}.onnx";
        var decoderFile = $"decoder.{variant}.onnx";
        var decodeOptions = options.DecodeGraphOptions;
        var decodeFile = decodeOptions is null ? null : $"decoder.{variant}.decode-{decodeOptions.Weights.ToName()}.onnx";
        GraphTensorEntry[] visionInputs, visionOutputs, decoderInputs, decoderOutputs;
        try
        {
            log($"vision ({variant})");
            tracker.Step($"vision ({variant})", staging);
            (visionInputs, visionOutputs) = WriteGraph(Path.Combine(staging, visionFile), "vision", b => spec.BuildVision(b, config, tensors, linear));
            log($"decoder ({variant})");
            tracker.Step($"decoder ({variant})", staging);
            (decoderInputs, decoderOutputs) = WriteGraph(Path.Combine(staging, decoderFile), "decoder", b => spec.BuildDecoder(b, config, tensors, linear, options));
            if (decodeOptions is not null)
            {
                log($"decoder for decode steps ({decodeOptions.Weights.ToName()}, block {decodeOptions.BlockSize})");
                tracker.Step($"decode-step decoder ({decodeOptions.Weights.ToName()})", staging, newPass: true);
                var decodeLinear = new LinearLayerWriter(tensors, decodeOptions);
                var (decodeInputs, decodeOutputs) = WriteGraph(Path.Combine(staging, decodeFile!), "decoder", b => spec.BuildDecoder(b, config, tensors, decodeLinear, decodeOptions));
                if (!decodeInputs.SequenceEqual(decoderInputs, GraphTensorEntryComparer.Instance) || !decodeOutputs.SequenceEqual(decoderOutputs, GraphTensorEntryComparer.Instance))
                    throw new InvalidOperationException("the decode-step graph's inputs or outputs differ from the decoder's");
            }
            foreach (var file in Directory.GetFiles(staging)) File.Move(file, Path.Combine(onnxFolder, Path.GetFileName(file)), overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }

        var quantized = options.Weights.QuantizedBits() > 0 || options.EffectiveLmHead.QuantizedBits() > 0
            || (options.EffectiveKeepPrecise.Count > 0 && options.PreciseFormat.QuantizedBits() > 0);
        var variants = existing?.Variants ?? new Dictionary<string, VariantEntry>(StringComparer.Ordinal);
        variants[variant] = new VariantEntry
        {
            Weights = options.Weights.ToName(),
            LmHead = options.EffectiveLmHead.ToName(),
            Vision = visionFile,
            Decoder = decoderFile,
            BlockSize = quantized ? options.BlockSize : null,
            AccuracyLevel = quantized ? options.AccuracyLevel : null,
            KvDtype = options.EffectiveKvCache == OnnxElementType.Float16 ? "float16" : "float32",
            DecodeDecoder = decodeFile,
            DecodeWeights = decodeOptions?.Weights.ToName(),
            DecodeBlockSize = decodeOptions is { } o && o.Weights.QuantizedBits() > 0 ? o.BlockSize : null,
            Attention = options.EffectiveAttention switch
            {
                DecoderAttention.GroupQuery => "gqa",
                DecoderAttention.Own => "own",
                _ => "switched",
            },
            Created = DateTimeOffset.UtcNow,
        };
        var t = config.Text;
        var manifest = new ModelPackageManifest
        {
            Family = familyName,
            SourceFingerprint = fingerprint,
            EmbedTokens = embed,
            Vision = new VisionGraphEntry
            {
                Inputs = visionInputs,
                Outputs = visionOutputs,
                DeepstackCount = config.Vision.DeepstackVisualIndexes.Length,
                SpatialMergeSize = config.Vision.SpatialMergeSize,
                PatchRowLength = config.Vision.PatchRowLength,
                AuxInputs = new Dictionary<string, string>(spec.VisionAuxInputs, StringComparer.Ordinal),
            },
            Decoder = new DecoderGraphEntry
            {
                // The package-level I/O lists the KV cache as float32; a variant whose cache is float16 says so in its
                // own entry (kv_dtype), so these lists stay the same whichever variant was converted last.
                Inputs = WithFloat32Cache(decoderInputs),
                Outputs = WithFloat32Cache(decoderOutputs),
                LayerCount = t.LayerCount,
                HiddenSize = t.HiddenSize,
                AttentionHeadCount = t.AttentionHeadCount,
                KeyValueHeadCount = t.KeyValueHeadCount,
                HeadDim = t.HeadDim,
                VocabSize = t.VocabSize,
                DeepstackCount = config.Vision.DeepstackVisualIndexes.Length,
            },
            Variants = variants,
        };
        File.WriteAllText(manifestPath + ".tmp", manifest.ToJson());
        File.Move(manifestPath + ".tmp", manifestPath, overwrite: true);
        tracker.Finish(onnxFolder);

        var visionPath = Path.Combine(onnxFolder, visionFile);
        var decoderPath = Path.Combine(onnxFolder, decoderFile);
        var decodePath = decodeFile is null ? null : Path.Combine(onnxFolder, decodeFile);
        return new ConversionResult(variant, visionPath, decoderPath, ModelPackage.GraphBytes(visionPath), ModelPackage.GraphBytes(decoderPath), clock.Elapsed)
        {
            DecodeDecoderPath = decodePath,
            DecodeDecoderBytes = decodePath is null ? 0 : ModelPackage.GraphBytes(decodePath),
        };
    }

    private static GraphTensorEntry[] WithFloat32Cache(GraphTensorEntry[] entries) =>
        entries.Select(e => e.Name.StartsWith("past_key_values.", StringComparison.Ordinal) || e.Name.StartsWith("present.", StringComparison.Ordinal)
            ? e with { Dtype = "float32" } : e).ToArray();

    /// <summary>Graph I/O entries compared by value (records compare arrays by reference).</summary>
    private sealed class GraphTensorEntryComparer : IEqualityComparer<GraphTensorEntry>
    {
        public static readonly GraphTensorEntryComparer Instance = new();

        public bool Equals(GraphTensorEntry? a, GraphTensorEntry? b) =>
            a is not null && b is not null && a.Name == b.Name && a.Dtype == b.Dtype && a.Shape.SequenceEqual(b.Shape);

        public int GetHashCode(GraphTensorEntry e) => HashCode.Combine(e.Name, e.Dtype);
    }

    private static IConversionFamilySpec SpecFor(QwenVlFamily family) => family switch
    {
        QwenVlFamily.Qwen3Vl => new Qwen3VlConversionSpec(),
        QwenVlFamily.Qwen2Vl or QwenVlFamily.Qwen25Vl => new Qwen2VlConversionSpec(family),
        _ => throw new ModelLoadException($"converting {ModelPackage.FamilyName(family)} checkpoints is not supported"),
    };

    private static (GraphTensorEntry[] Inputs, GraphTensorEntry[] Outputs) WriteGraph(string path, string graphName, Action<OnnxModelBuilder> build)
    {
        using var builder = OnnxModelBuilder.ToFile(path, new OnnxExternalDataOptions(), graphName);
        build(builder);
        var graph = builder.Model.Graph;
        var io = (graph.Input.Select(Entry).ToArray(), graph.Output.Select(Entry).ToArray());
        builder.Save();
        return io;
    }

    private static GraphTensorEntry Entry(ValueInfoProto value)
    {
        var tensor = value.Type.TensorType;
        var dtype = (OnnxElementType)tensor.ElemType switch
        {
            OnnxElementType.Float => "float32",
            OnnxElementType.Int64 => "int64",
            OnnxElementType.Int32 => "int32",
            OnnxElementType.Float16 => "float16",
            var other => other.ToString().ToLowerInvariant(),
        };
        var shape = tensor.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new GraphTensorEntry(value.Name, dtype, shape);
    }

    /// <summary>Copies the embedding table as stored (e.g. bf16), 16 MiB at a time; with <paramref name="reuse"/> (the folder
    /// holds a package of the same checkpoint) an intact earlier copy is kept.</summary>
    private static EmbeddingTableEntry WriteEmbeddingTable(CheckpointTensors tensors, string name, string path, bool reuse)
    {
        var info = tensors.Info(name);
        if (info.Shape.Length != 2) throw new ModelLoadException($"tensor '{info.Name}' should be [vocab, hidden], is [{string.Join(",", info.Shape)}]");
        var entry = new EmbeddingTableEntry(Path.GetFileName(path), EmbeddingTable.TensorName, info.DType.ToWireName(), info.Shape[0], info.Shape[1]);
        if (reuse && File.Exists(path))
        {
            try
            {
                using var existing = SafetensorsFile.Open(path);
                var old = existing.GetInfo(EmbeddingTable.TensorName);
                if (old.DType == info.DType && old.Shape.SequenceEqual(info.Shape)) return entry;
            }
            catch (ModelLoadException)
            {
                // A damaged earlier copy: rewrite it.
            }
        }
        var file = tensors.File(name);
        var source = new SafetensorsTensorSource(EmbeddingTable.TensorName, info.DType, info.Shape, stream =>
        {
            const int chunk = 16 << 20;
            for (long offset = 0; offset < info.ByteLength; offset += chunk)
                stream.Write(file.GetBytes(info, offset, (int)Math.Min(chunk, info.ByteLength - offset)));
        });
        SafetensorsWriter.Write(path + ".tmp", [source]);
        File.Move(path + ".tmp", path, overwrite: true);
        return entry;
    }

}
