using Microsoft.Extensions.DependencyInjection;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Tests.Sessions;
using static VLOrleans.Grains.Tests.Sessions.SessionCluster;

namespace VLOrleans.Grains.Tests.Inference;

/// <summary>A cluster whose slots hold 256 tokens, so "fill the remaining context" is a short answer.</summary>
public sealed class SmallContextCluster : SessionCluster
{
    protected override int MaxSequenceLength => 256;
}

/// <summary>
/// <c>/v1/chat/completions</c>' path through the cluster: the one-shot grain's streamed completion, called as the
/// endpoint calls it (images as encoded bytes, sampling as overrides).
/// </summary>
public sealed class OneShotCompletionTests(DefaultCluster cluster) : IClassFixture<DefaultCluster>
{
    private static CompletionRequest Request(string question, byte[]? image, int? maxTokens, int limit = 512) => new()
    {
        Messages =
        [
            new CompletionMessage(ChatRole.System, "You read gauges.", null),
            new CompletionMessage(ChatRole.User, null, image is null ? [CompletionPart.OfText(question)] : [CompletionPart.OfImage(image), CompletionPart.OfText(question)]),
        ],
        Sampling = new CompletionSampling { Temperature = 0f },
        MaxTokens = maxTokens,
        MaxTokensLimit = limit,
    };

    /// <summary>The one-shot grain as the endpoint reaches it: from inside a silo (the server is co-hosted with it), where
    /// a stateless worker always runs locally, so every step of the enumeration reaches the same activation.</summary>
    internal static IOneShotGrain OneShot(SessionCluster cluster) =>
        cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IOneShotGrain>(0);

    internal static async Task<(string Text, List<CompletionItem> Items)> ReadAsync(IAsyncEnumerable<CompletionItem> completion)
    {
        var items = new List<CompletionItem>();
        var text = new System.Text.StringBuilder();
        await foreach (var item in completion)
        {
            items.Add(item);
            if (item is CompletionDelta d) text.Append(d.Text);
        }
        return (text.ToString(), items);
    }

    [Fact]
    public async Task A_greedy_completion_through_the_grain_answers_as_the_engine_does_for_the_same_conversation()
    {
        var photo = Photo("intel__gauge-1.jpg");
        var (text, items) = await ReadAsync(OneShot(cluster).CompleteAsync(Request("What does the gauge read?", photo, 8)));

        Assert.IsType<CompletionAccepted>(items[0]);
        var finished = Assert.IsType<CompletionFinished>(items[^1]);
        Assert.All(items.Skip(1).SkipLast(1), i => Assert.IsType<CompletionDelta>(i));
        Assert.True(finished.CompletionTokens is > 0 and <= 8, $"{finished.CompletionTokens} tokens");

        // The same conversation asked of an engine directly (both silos load the same tiny model).
        var engine = EngineOf(cluster.Cluster.Silos[0]);
        var fresh = engine.Ask(
            [ChatMessage.System("You read gauges."), ChatMessage.User(new ImageContent(), new TextContent("What does the gauge read?"))],
            [await engine.PrepareImageAsync(photo)],
            new GenerationSettings { MaxTokens = 8, Sampling = engine.Defaults.Sampling with { Temperature = 0f } });
        var expected = new System.Text.StringBuilder();
        GenerationCompleted? done = null;
        await foreach (var e in fresh.ReadAllAsync())
        {
            if (e is TokenGenerated token) expected.Append(token.TextDelta);
            else if (e is GenerationCompleted c) done = c;
        }
        Assert.Equal(expected.ToString(), text);
        Assert.Equal(done!.Usage.PromptTokens, finished.PromptTokens);
        Assert.Equal(done.Usage.CompletionTokens, finished.CompletionTokens);
    }

    [Fact]
    public async Task Without_max_tokens_the_answer_is_bounded_by_the_server_limit()
    {
        var request = Request("Count forever.", null, maxTokens: null, limit: 5) with { IgnoreEos = true };
        var (_, items) = await ReadAsync(OneShot(cluster).CompleteAsync(request));
        var finished = Assert.IsType<CompletionFinished>(items[^1]);
        Assert.Equal(5, finished.CompletionTokens);
        Assert.Equal("length", finished.FinishReason);
    }

    [Fact]
    public async Task A_bad_image_is_refused_with_a_typed_problem_before_anything_streams()
    {
        var completion = OneShot(cluster).CompleteAsync(Request("and this?", [0x89, 0x50, 0x4E, 0x47, 0, 1, 2], 4));
        var received = 0;
        var refused = await Assert.ThrowsAsync<RequestProblemException>(async () =>
        {
            await foreach (var _ in completion) received++;
        });
        Assert.Equal(ProblemKind.ImageRejected, refused.Kind);
        Assert.Equal(0, received);
    }
}

/// <summary>Without max_tokens, an answer fills what the slot's context leaves after the prompt.</summary>
public sealed class OneShotCompletionContextTests(SmallContextCluster cluster) : IClassFixture<SmallContextCluster>
{
    [Fact]
    public async Task Without_max_tokens_the_answer_fills_the_rest_of_the_slot()
    {
        var request = new CompletionRequest
        {
            Messages = [new CompletionMessage(ChatRole.User, "Count forever.", null)],
            Sampling = new CompletionSampling { Temperature = 0f },
            MaxTokensLimit = 10_000,
            IgnoreEos = true,
        };
        var (_, items) = await OneShotCompletionTests.ReadAsync(OneShotCompletionTests.OneShot(cluster).CompleteAsync(request));
        var finished = Assert.IsType<CompletionFinished>(items[^1]);
        Assert.Equal(256, finished.PromptTokens + finished.CompletionTokens);
        Assert.Equal("length", finished.FinishReason);
    }
}
