using System.Text.Json;
using System.Text.Json.Nodes;
using VLOrleans.Engine.Models.Safetensors;

namespace VLOrleans.Engine.Models.TinyModels;

/// <summary>How far <see cref="TinyModelMaker.Write"/> is: tensors and bytes of weights written out of the totals.</summary>
public sealed record TinyModelProgress(int TensorsDone, int TensorCount, long BytesDone, long BytesTotal);

/// <summary>What <see cref="TinyModelMaker.Write"/> produced.</summary>
public sealed record TinyModelInfo(string Folder, long ParameterCount, long WeightBytes, int TensorCount);

/// <summary>
/// Writes a Hugging Face–style checkpoint folder with random weights: config.json, preprocessor_config.json,
/// generation_config.json, bf16 safetensors (sharded above <see cref="MaxShardBytes"/>) and the real Qwen
/// tokenizer files. Weights are generated and written one 1 M-value chunk at a time, so memory stays
/// flat whatever the preset (the 2b preset is ~4.3 GB on disk). Same family, preset and seed → byte-identical files.
/// </summary>
public static class TinyModelMaker
{
    /// <summary>Shards of at most ~2 GB, like many published Qwen checkpoints.</summary>
    public const long MaxShardBytes = 2_000_000_000;

    private const int ChunkValues = 1 << 20;

    public static ITinyModelFamilySpec SpecFor(QwenVlFamily family) => family switch
    {
        QwenVlFamily.Qwen3Vl => new Qwen3VlTinySpec(),
        QwenVlFamily.Qwen2Vl or QwenVlFamily.Qwen25Vl => new Qwen2VlTinySpec(family),
        _ => throw new TinyModelException(TinyModelException.UnsupportedFamily, $"make-tiny-model does not support {family}"),
    };

    /// <summary>Writes the checkpoint into <paramref name="folder"/> (created if needed; earlier weight files there are replaced).</summary>
    /// <param name="tokenizerFolder">Folder holding tokenizer.json and tokenizer_config.json; null = the repository's
    /// <c>.deps/tokenizer-qwen3</c>, found by walking up from the program's folder.</param>
    /// <param name="progress">Told after each tensor is written (the 2b preset takes minutes).</param>
    public static TinyModelInfo Write(QwenVlFamily family, TinyModelPreset preset, string folder, ulong seed = 0, string? tokenizerFolder = null,
        IProgress<TinyModelProgress>? progress = null)
    {
        var spec = SpecFor(family);
        var tokenizer = TinyModelTokenizer.Locate(tokenizerFolder);
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.GetFiles(folder, "model*.safetensors*")) File.Delete(stale);

        WriteJson(Path.Combine(folder, "config.json"), spec.Config(preset));
        WriteJson(Path.Combine(folder, "preprocessor_config.json"), spec.PreprocessorConfig(preset));
        WriteJson(Path.Combine(folder, "generation_config.json"), spec.GenerationConfig(preset));
        TinyModelTokenizer.CopyInto(tokenizer, folder);

        var (weightStd, normNoiseStd) = spec.InitScale(preset);
        var tensors = spec.Tensors(preset);
        var totalBytes = tensors.Sum(t => t.ElementCount * 2);
        var (tensorsDone, bytesDone) = (0, 0L);
        var sources = tensors.Select(t => new SafetensorsTensorSource(t.Name, SafetensorsDType.BF16, t.Shape, stream =>
        {
            WriteRandom(stream, t, seed, weightStd, normNoiseStd);
            bytesDone += t.ElementCount * 2; // bf16
            progress?.Report(new TinyModelProgress(++tensorsDone, tensors.Count, bytesDone, totalBytes));
        })).ToList();
        SafetensorsWriter.WriteSharded(folder, sources, MaxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        return new TinyModelInfo(folder, tensors.Sum(t => t.ElementCount), sources.Sum(s => s.ByteLength), tensors.Count);
    }

    private static void WriteRandom(Stream stream, TinyTensorSpec tensor, ulong seed, double weightStd, double normNoiseStd)
    {
        var random = new TinyRandom(seed, tensor.Name);
        var (mean, std) = tensor.Init == TinyInit.NormScale ? (1.0, normNoiseStd) : (0.0, weightStd);
        var values = new float[(int)Math.Min(ChunkValues, tensor.ElementCount)];
        var bytes = new byte[values.Length * 2];
        for (long done = 0; done < tensor.ElementCount; done += values.Length)
        {
            var count = (int)Math.Min(values.Length, tensor.ElementCount - done);
            random.FillNormal(values.AsSpan(0, count), mean, std);
            HalfConversions.FromSingle(SafetensorsDType.BF16, values.AsSpan(0, count), bytes.AsSpan(0, 2 * count));
            stream.Write(bytes, 0, 2 * count);
        }
    }

    private static void WriteJson(string path, JsonObject json) =>
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
