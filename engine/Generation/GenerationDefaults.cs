using System.Text.Json.Nodes;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Generation;

/// <summary>A model's <c>generation_config.json</c>: its stop tokens and the sampling it was tuned for
/// (Qwen3-VL Instruct: temperature 0.7, top-k 20, top-p 0.8), used when a request does not say.</summary>
public sealed record GenerationDefaults(IReadOnlyList<int> StopTokenIds, SamplingParameters Sampling)
{
    /// <summary>Stop on &lt;|im_end|&gt; and &lt;|endoftext|&gt; when the file is absent (QWEN_VL_FACTS.md §3).</summary>
    public static GenerationDefaults Fallback { get; } = new([151645, 151643], new SamplingParameters { Temperature = 0.7f, TopK = 20, TopP = 0.8f });

    public static GenerationDefaults Load(string modelFolder)
    {
        var path = Path.Combine(modelFolder, "generation_config.json");
        if (!File.Exists(path)) return Fallback;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelLoadException($"{path}: not a JSON object");
            var eos = root["eos_token_id"] switch
            {
                JsonArray array => array.Select(n => n!.GetValue<int>()).ToArray(),
                JsonValue value => [value.GetValue<int>()],
                _ => Fallback.StopTokenIds.ToArray(),
            };
            var doSample = root["do_sample"]?.GetValue<bool>() ?? true;
            var sampling = doSample
                ? new SamplingParameters
                {
                    Temperature = (float?)root["temperature"]?.GetValue<double>() ?? 1f,
                    TopK = root["top_k"]?.GetValue<int>() ?? 0,
                    TopP = (float?)root["top_p"]?.GetValue<double>() ?? 1f,
                    RepetitionPenalty = (float?)root["repetition_penalty"]?.GetValue<double>() ?? 1f,
                }
                : SamplingParameters.Greedy;
            return new GenerationDefaults(eos, sampling);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"{path}: {e.Message}", e);
        }
    }
}
