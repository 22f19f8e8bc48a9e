using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Text;
using VLOrleans.Grains.Sessions;
using static VLOrleans.Grains.Tests.Sessions.SessionCluster;

namespace VLOrleans.Grains.Tests.Sessions;

public sealed class IdleCluster : SessionCluster
{
    protected override ChatSessionOptions Options => new() { IdleTimeout = TimeSpan.FromSeconds(1) };
}

/// <summary>Idle collection by Orleans (no timer of ours): the activation goes, and with it the embeddings it held
/// and its KV slot in the silo's engine.</summary>
public sealed class IdleCollectionTests(IdleCluster cluster) : IClassFixture<IdleCluster>
{
    [Fact]
    public async Task An_idle_session_is_collected_and_releases_its_embeddings_and_kv()
    {
        var session = await cluster.CreateAsync();
        await session.AddImageAsync("", Photo("skimage__chelsea.png"), null);
        await AnswerAsync(session, Greedy("What is this?"));
        var silo = cluster.HolderOf(session);
        var engine = EngineOf(silo);
        var grain = cluster.Instance(session);
        Assert.Single(grain.HeldImageIds);
        Assert.Equal(1, engine.Worker.Statistics.Slots.Resident); // its KV stays resident for a follow-up

        await cluster.Cluster.WaitForDeactivationAsync(session); // nobody calls it: Orleans collects it after the idle timeout
        Assert.Empty(grain.HeldImageIds);
        Assert.Equal(0, engine.Worker.Statistics.Slots.Resident);
        Assert.Equal(2, (await session.GetAsync("")).Turns.Count); // the store still has the turn
    }
}

/// <summary>One silo stops; its sessions continue on the other from the store.</summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private readonly DefaultCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_conversation_continues_on_the_other_silo_after_the_silo_holding_it_stops()
    {
        var session = await _cluster.CreateAsync();
        await session.AddImageAsync("", Photo("intel__gauge-1.jpg"), "gauge.jpg");
        var (answer1, _) = await AnswerAsync(session, Greedy("What does the gauge read?", maxTokens: 8));
        var holder = _cluster.HolderOf(session);

        await _cluster.Cluster.StopSiloAsync(holder);
        var (answer2, turn2) = await AnswerAsync(session, Greedy("And the unit?", maxTokens: 8));
        var survivor = _cluster.HolderOf(session);
        Assert.NotEqual(holder.SiloAddress, survivor.SiloAddress);
        Assert.Equal(3, turn2.Index); // the answer to the second question: turns 2 (user) and 3 (assistant)
        Assert.Equal([0, 1, 2, 3], (await session.GetAsync("")).Turns.Select(t => t.Index));

        // A fresh run on the survivor's engine with the same history (no session, nothing resident) answers the same.
        var engine = EngineOf(survivor);
        var image = await engine.PrepareImageAsync(Photo("intel__gauge-1.jpg"));
        var fresh = engine.Ask(
            [
                ChatMessage.User(new ImageContent(), new TextContent("What does the gauge read?")),
                ChatMessage.Assistant(answer1),
                ChatMessage.User(new TextContent("And the unit?")),
            ],
            [image], new GenerationSettings { MaxTokens = 8, Sampling = engine.Defaults.Sampling with { Temperature = 0f } }, null);
        var expected = new System.Text.StringBuilder();
        await foreach (var e in fresh.ReadAllAsync())
            if (e is TokenGenerated token) expected.Append(token.TextDelta);
        Assert.Equal(expected.ToString(), answer2);
    }
}

/// <summary>The stateless one-shot worker: runs on the silo it is called on, refuses bad input with typed problems.</summary>
public sealed class OneShotGrainTests(DefaultCluster cluster) : IClassFixture<DefaultCluster>
{
    [Fact]
    public async Task A_one_shot_answers_within_its_token_budget_and_refuses_a_bad_image_with_a_typed_problem()
    {
        var oneShot = cluster.Grains.GetGrain<Contracts.IOneShotGrain>(0);
        var answer = await oneShot.AskAsync(new Contracts.OneShotRequest("What is in this picture?", Photo("sam__truck.jpg"), 4));
        Assert.Contains(answer.FinishReason, new[] { "stop", "length" });

        var refused = await Assert.ThrowsAsync<Contracts.RequestProblemException>(() =>
            oneShot.AskAsync(new Contracts.OneShotRequest("and this?", [0x89, 0x50, 0x4E, 0x47, 0, 1, 2], 4)));
        Assert.Equal(Contracts.ProblemKind.ImageRejected, refused.Kind);
    }
}
