using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Tests.TestSupport;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Generation;

/// <summary>The tiny Qwen3-VL package (converted once per run) loaded for end-to-end engine tests, and helpers to ask it.</summary>
internal static class TinyEngine
{
    /// <summary>The converted tiny package the conversion tests build (it holds an fp32 variant among others).</summary>
    public static string PackageFolder => Conversion.TinyPackage.Folder;

    public static VisionLanguageEngine Load(int slots = 4, int chunk = 256, int maxLength = 1024, int maxWaiting = 64) =>
        VisionLanguageEngine.Load(new EngineOptions
        {
            ModelPath = PackageFolder,
            Variant = "fp32",
            SlotCount = slots,
            PrefillChunkTokens = chunk,
            MaxSequenceLength = maxLength,
            MaxWaitingRequests = maxWaiting,
            DecoderThreads = 1,
            VisionThreads = 1,
            PreprocessingThreads = 1,
        });

    public static byte[] Photo(string name) => File.ReadAllBytes(RepoPaths.SharedFile("images", "real", name));

    public static byte[] Australia() => File.ReadAllBytes(RepoPaths.SharedFile("reference", "pixel-values", "australia.jpg"));

    public static ChatMessage UserAsking(string question, int images) =>
        new(ChatRole.User, null, [.. Enumerable.Range(0, images).Select(_ => (ChatContent)new ImageContent()), new TextContent(question)]);

    public static GenerationSettings Greedy(int maxTokens) => new() { MaxTokens = maxTokens, Sampling = VLOrleans.Engine.Generation.Sampling.SamplingParameters.Greedy, IgnoreEos = true };

    public static async Task<(int[] Tokens, string Text, GenerationCompleted Done)> Collect(GenerationStream stream)
    {
        var tokens = new List<int>();
        var text = new System.Text.StringBuilder();
        GenerationCompleted? done = null;
        await foreach (var e in stream.ReadAllAsync())
        {
            if (e is TokenGenerated t)
            {
                if (t.TokenId >= 0) tokens.Add(t.TokenId);
                text.Append(t.TextDelta);
            }
            else if (e is GenerationCompleted c)
            {
                done = c;
            }
        }
        return (tokens.ToArray(), text.ToString(), done ?? throw new InvalidOperationException("no completion"));
    }
}
