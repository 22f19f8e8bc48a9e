using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using VLOrleans.Engine.Tests.TestSupport;

namespace VLOrleans.Engine.Tests.OnnxCommunity;

/// <summary>What tools/reference/onnx-community/tjs_generate.mjs prints: transformers.js's greedy answer.</summary>
public sealed record TjsAnswer(
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("prompt_ids")] int[] PromptIds,
    [property: JsonPropertyName("image_grid_thw")] int[] ImageGridThw,
    [property: JsonPropertyName("pixel_values_sum")] double PixelValuesSum,
    [property: JsonPropertyName("tokens")] int[] Tokens,
    [property: JsonPropertyName("steps")] TjsStep[] Steps,
    [property: JsonPropertyName("generate_ms")] double GenerateMs);

public sealed record TjsStep([property: JsonPropertyName("token")] int Token, [property: JsonPropertyName("top")] TjsTop[] Top);

public sealed record TjsTop([property: JsonPropertyName("token")] int Token, [property: JsonPropertyName("logit")] double Logit, [property: JsonPropertyName("logprob")] double Logprob);

/// <summary>Starts Node with transformers.js 4.3.1 (tools/reference/node_modules, filled by <c>make setup</c>).</summary>
internal static class TransformersJs
{
    public const string GoldenEnvironmentVariable = "VLO_WRITE_ONNX_COMMUNITY_GOLDEN";

    public static string Script => Path.Combine(RepoPaths.Root, "tools", "reference", "onnx-community", "tjs_generate.mjs");

    public static string GoldenPath(string family) => Path.Combine(RepoPaths.Fixtures, "onnx-community", family + ".json");

    public static TjsAnswer ReadGolden(string family) => Parse(File.ReadAllText(GoldenPath(family)));

    public static TjsAnswer Parse(string json) => JsonSerializer.Deserialize<TjsAnswer>(json) ?? throw new InvalidDataException("empty answer");

    /// <summary>Runs the script on <paramref name="folder"/>; returns its JSON. Fails clearly when Node or the package is missing.</summary>
    public static string Generate(string folder, int maxTokens)
    {
        var package = Path.Combine(RepoPaths.Root, "tools", "reference", "node_modules", "@huggingface", "transformers", "package.json");
        if (!File.Exists(package)) throw new FileNotFoundException($"{package} is missing: run `make setup` (transformers.js 4.3.1 under tools/reference).", package);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(folder);
        start.ArgumentList.Add(maxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("transformers.js did not finish within 3 minutes");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"node exited with {process.ExitCode}: {error.Result}");
        return output;
    }
}
