using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Tests.Imaging;
using VLOrleans.Engine.Text;
using Xunit.Abstractions;

namespace VLOrleans.Engine.Tests.OnnxCommunity;

/// <summary>
/// Tiny models in the onnx-community / transformers.js layout, loaded through <see cref="VisionLanguageEngine.Load"/>,
/// answer one question about one image; transformers.js 4.3.1 (Node, onnxruntime-node) answers the same question from
/// the same files. Compared: prompt ids (our template + tokenizer + image expansion vs its processor), image grid and
/// pixel-value sum (our preprocessing vs its), greedy tokens (exact), and each step's log-softmax of the chosen and
/// top-5 tokens (within 1e-3: same ONNX Runtime version both sides, different thread counts and batch shapes).
/// Two references: the committed golden files (tests/fixtures/onnx-community/, made by the Node script) and a live
/// Node run on a freshly written folder.
/// </summary>
public sealed class OnnxCommunityAgreementTests(ITestOutputHelper output)
{
    public const int MaxTokens = 8;
    public const string Question = "What is in this picture?";
    private const double LogprobTolerance = 1e-3;

    public static TheoryData<QwenVlFamily> Families => new() { QwenVlFamily.Qwen2Vl, QwenVlFamily.Qwen25Vl, QwenVlFamily.Qwen3Vl };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Greedy_answer_equals_the_committed_transformers_js_answer(QwenVlFamily family)
    {
        var expected = TransformersJs.ReadGolden(OnnxCommunityFolders.Name(family));
        await AssertAgrees(family, expected);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Greedy_answer_equals_transformers_js_run_now_in_node(QwenVlFamily family)
    {
        var folder = OnnxCommunityFolders.For(family);
        var json = TransformersJs.Generate(folder, MaxTokens);
        var expected = TransformersJs.Parse(json);
        output.WriteLine($"{family}: transformers.js generate {expected.GenerateMs} ms, tokens [{string.Join(",", expected.Tokens)}]");
        if (Environment.GetEnvironmentVariable(TransformersJs.GoldenEnvironmentVariable) == "1")
            File.WriteAllText(TransformersJs.GoldenPath(OnnxCommunityFolders.Name(family)), json);
        await AssertAgrees(family, expected);
    }

    /// <summary>Guards the tolerance: another image (the same one inverted) must move the first step's log-probabilities
    /// by far more than it, so an image merged wrongly or not at all could not pass as agreement.</summary>
    [Fact]
    public async Task Another_image_moves_the_log_probabilities_far_beyond_the_tolerance()
    {
        var expected = TransformersJs.ReadGolden(OnnxCommunityFolders.Name(QwenVlFamily.Qwen2Vl));
        await using var engine = Load(QwenVlFamily.Qwen2Vl);
        var image = await engine.PrepareImageAsync(SyntheticPng(engine.Processor.Config.PatchSize, invert: true));
        ChatMessage[] messages = [new(ChatRole.User, null, [new ImageContent(), new TextContent(Question)])];
        var settings = new GenerationSettings { MaxTokens = 1, Sampling = SamplingParameters.Greedy, Logprobs = true, TopLogprobs = 20 };
        TokenGenerated? first = null;
        await foreach (var e in engine.Ask(messages, [image], settings).ReadAllAsync())
        {
            if (e is TokenGenerated { TokenId: >= 0 } t) first ??= t;
        }
        // their top-1 token's log-probability under the inverted image (or, if it left our top 20, our 20th: at most that)
        var theirs = expected.Steps[0].Top[0];
        var ours = first!.TopLogprobs!.Where(t => t.TokenId == theirs.Token).Select(t => (double?)t.Logprob).FirstOrDefault() ?? first.TopLogprobs![^1].Logprob;
        output.WriteLine($"inverted image: first-step log-prob of token {theirs.Token} moves by {Math.Abs(ours - theirs.Logprob):E2}");
        Assert.True(Math.Abs(ours - theirs.Logprob) > 10 * LogprobTolerance);
    }

    private async Task AssertAgrees(QwenVlFamily family, TjsAnswer expected)
    {
        await using var engine = Load(family);
        Assert.Equal(family, engine.Family);
        var bytes = SyntheticPng(engine.Processor.Config.PatchSize);
        var image = await engine.PrepareImageAsync(bytes);
        ChatMessage[] messages = [new(ChatRole.User, null, [new ImageContent(), new TextContent(Question)])];
        var settings = new GenerationSettings { MaxTokens = MaxTokens, Sampling = SamplingParameters.Greedy, Logprobs = true, TopLogprobs = 5 };

        var request = engine.BuildRequest(messages, [image], settings, null);
        Assert.Equal(expected.PromptIds, request.Prompt.Ids);
        Assert.Equal(expected.ImageGridThw, new[] { image.Grid.T, image.Grid.H, image.Grid.W });
        var processed = engine.Processor.Process(new VLOrleans.Engine.Imaging.ImageDecoder().Decode(bytes).Image);
        Assert.Equal(expected.PixelValuesSum, processed.PixelValues.Sum(v => (double)v), 1e-2);

        var events = new List<TokenGenerated>();
        GenerationCompleted? done = null;
        await foreach (var e in engine.Ask(messages, [image], settings).ReadAllAsync())
        {
            if (e is TokenGenerated { TokenId: >= 0 } t) events.Add(t);
            if (e is GenerationCompleted c) done = c;
        }
        output.WriteLine($"{family}: our generation {done!.Timings.Total.TotalMilliseconds:F0} ms (first token {done.Timings.TimeToFirstToken.TotalMilliseconds:F0} ms; vision encoded before, not included)");
        var tokens = events.Select(e => e.TokenId).ToArray();
        // transformers.js stops after an EOS token and keeps it; we stop at it too (the EOS is not streamed as text).
        Assert.Equal(expected.Tokens.AsSpan(0, Math.Min(expected.Tokens.Length, tokens.Length)).ToArray(), tokens.Take(expected.Tokens.Length).ToArray());
        Assert.True(tokens.Length >= expected.Tokens.Length - 1, $"we generated {tokens.Length} tokens, transformers.js {expected.Tokens.Length}");

        var maxDiff = 0.0;
        for (var step = 0; step < Math.Min(events.Count, expected.Steps.Length); step++)
        {
            var ours = events[step];
            var theirs = expected.Steps[step];
            maxDiff = Math.Max(maxDiff, Math.Abs(ours.Logprob - theirs.Top[0].Logprob));
            Assert.Equal(theirs.Top[0].Token, ours.TokenId);
            foreach (var top in theirs.Top)
            {
                var match = ours.TopLogprobs!.Where(t => t.TokenId == top.Token).Select(t => (float?)t.Logprob).FirstOrDefault();
                if (match is not { } logprob) continue; // a near-tie at the 5th place may order differently
                maxDiff = Math.Max(maxDiff, Math.Abs(logprob - top.Logprob));
            }
        }
        output.WriteLine($"{family}: tokens [{string.Join(",", tokens)}], max |Δ logprob| vs transformers.js = {maxDiff:E2}");
        Assert.True(maxDiff < LogprobTolerance, $"log-softmax differs from transformers.js by {maxDiff}");
    }

    internal static VisionLanguageEngine Load(QwenVlFamily family, int slots = 1) => VisionLanguageEngine.Load(new EngineOptions
    {
        ModelPath = OnnxCommunityFolders.For(family),
        Variant = "fp32",
        SlotCount = slots,
        MaxSequenceLength = 512,
        DecoderThreads = 1,
        VisionThreads = 1,
        PreprocessingThreads = 1,
    });

    /// <summary>The image tjs_generate.mjs builds (same formula, pixel for pixel), as an RGB PNG: side = 4 patches, so
    /// 2×2 image tokens and no resize.</summary>
    internal static byte[] SyntheticPng(int patchSize, bool invert = false)
    {
        var side = 4 * patchSize;
        var rows = new byte[side][];
        for (var y = 0; y < side; y++)
        {
            rows[y] = new byte[3 * side];
            for (var x = 0; x < side; x++)
            {
                var checker = (x / 5 + y / 7) % 2;
                rows[y][3 * x] = (byte)(int)((x * 255.0 / (side - 1) + 40 * checker) % 256);
                rows[y][3 * x + 1] = (byte)(int)(y * 255.0 / (side - 1));
                rows[y][3 * x + 2] = (byte)(((x + y) * 4 + 90 * checker) % 256);
            }
        }
        if (invert) foreach (var row in rows) for (var i = 0; i < row.Length; i++) row[i] = (byte)(255 - row[i]);
        return PngBuilder.Build(side, side, 8, 2, rows);
    }
}
