using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Sampling;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.OnnxCommunity.OnnxCommunityAgreementTests;

namespace VLOrleans.Engine.Tests.OnnxCommunity;

/// <summary>
/// The runner's own paths beyond a single answer (which the agreement tests check against transformers.js): batched
/// decode over caches of different lengths (left-padded and masked) and a session's follow-up turn that reuses part
/// of its resident cache. Reference: the same engine answering each conversation alone and from an empty cache.
/// </summary>
public sealed class PastPresentRunnerTests
{
    private static readonly GenerationSettings Greedy = new() { MaxTokens = 6, Sampling = SamplingParameters.Greedy, IgnoreEos = true };

    [Fact]
    public async Task A_batch_of_conversations_of_different_lengths_gives_each_the_tokens_it_gets_alone()
    {
        await using var engine = Load(QwenVlFamily.Qwen2Vl, slots: 3);
        var image = await engine.PrepareImageAsync(SyntheticPng(engine.Processor.Config.PatchSize));
        (ChatMessage[] Messages, PreparedImage[] Images)[] conversations =
        [
            ([ChatMessage.User(new ImageContent(), new TextContent("What is in this picture?"))], [image]),
            ([ChatMessage.User(new TextContent("Hello, who are you and what can you do for me today?"))], []),
            ([ChatMessage.User(new ImageContent(), new TextContent("Colours?"))], [image]),
        ];
        var alone = new List<int[]>();
        foreach (var (messages, images) in conversations) alone.Add(await Tokens(engine.Ask(messages, images, Greedy)));
        var together = await Task.WhenAll(conversations.Select(c => Tokens(engine.Ask(c.Messages, c.Images, Greedy))));
        for (var i = 0; i < conversations.Length; i++) Assert.Equal(alone[i], together[i]);
        Assert.NotEqual(alone[0], alone[2]); // the question matters, so equal answers are not a constant
    }

    [Fact]
    public async Task A_follow_up_turn_on_the_resident_cache_equals_the_whole_conversation_from_scratch()
    {
        await using var engine = Load(QwenVlFamily.Qwen2Vl, slots: 1);
        var image = await engine.PrepareImageAsync(SyntheticPng(engine.Processor.Config.PatchSize));
        ChatMessage[] first = [ChatMessage.User(new ImageContent(), new TextContent("What is in this picture?"))];
        var answer = await Text(engine.Ask(first, [image], Greedy, sessionKey: "s"));
        ChatMessage[] second = [.. first, ChatMessage.Assistant(answer), ChatMessage.User("And the colours?")];

        var (followUp, reused) = await TokensAndReuse(engine.Ask(second, [image], Greedy, sessionKey: "s"));
        Assert.True(reused > 0, "the follow-up should reuse the resident prefix");
        engine.ForgetSession("s");
        var (scratch, reusedFromScratch) = await TokensAndReuse(engine.Ask(second, [image], Greedy));
        Assert.Equal(0, reusedFromScratch);
        Assert.Equal(scratch, followUp);
    }

    private static async Task<int[]> Tokens(GenerationStream stream) => (await TokensAndReuse(stream)).Tokens;

    private static async Task<(int[] Tokens, int Reused)> TokensAndReuse(GenerationStream stream)
    {
        var tokens = new List<int>();
        var reused = -1;
        await foreach (var e in stream.ReadAllAsync())
        {
            if (e is TokenGenerated { TokenId: >= 0 } t) tokens.Add(t.TokenId);
            if (e is GenerationCompleted c) reused = c.Usage.ReusedPromptTokens;
        }
        return (tokens.ToArray(), reused);
    }

    private static async Task<string> Text(GenerationStream stream)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var e in stream.ReadAllAsync())
        {
            if (e is TokenGenerated t) text.Append(t.TextDelta);
        }
        return text.ToString();
    }
}
