using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Sessions;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Sessions;

/// <summary>
/// A real two-silo Orleans cluster in the test process (<see cref="InProcessTestCluster"/>), each silo with its own
/// tiny-model engine (as each node of a deployment has its own model) and both over one SQLite file (the shared
/// store). Subclasses choose the session options; xunit makes one cluster per test class.
/// </summary>
public abstract class SessionCluster : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-cluster-").FullName;

    protected virtual ChatSessionOptions Options => new();

    protected virtual int MaxSequenceLength => 4096;

    protected virtual int SlotCount => 4;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public string StorePath => Path.Combine(_folder, "sessions.db");

    /// <summary>The store both silos share (one SQLite file, as a cluster shares one database).</summary>
    public CountingSessionStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        var options = Options;
        var store = Store = new CountingSessionStore(SqliteSessionStore.Open(StorePath));
        var (slots, maxLength) = (SlotCount, MaxSequenceLength);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddChatSessions(options);
            silo.Services.AddSingleton<ISessionStore>(store);
            silo.Services.AddSingleton(_ =>
            {
                var inference = new InferenceGrain();
                inference.Attach(VisionLanguageEngine.Load(new EngineOptions
                {
                    ModelPath = TinyModelPackage.Folder,
                    Variant = "fp32",
                    SlotCount = slots,
                    MaxSequenceLength = maxLength,
                    DecoderThreads = 1,
                    VisionThreads = 1,
                    PreprocessingThreads = 1,
                }));
                return inference;
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Store.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>A new session owned by <paramref name="owner"/>.</summary>
    public async Task<IChatSessionGrain> CreateAsync(string owner = "")
    {
        var session = Grains.GetGrain<IChatSessionGrain>(SessionIds.New());
        await session.CreateAsync(owner);
        return session;
    }

    /// <summary>The silo whose activation holds the session now.</summary>
    public InProcessSiloHandle HolderOf(IChatSessionGrain session) =>
        Cluster.TryGetGrainContext(session.GetGrainId(), out var context)
            ? Cluster.Silos.Single(s => s.SiloAddress.Equals(context.Address.SiloAddress))
            : throw new InvalidOperationException($"session {session.GetPrimaryKeyString()} is not active");

    /// <summary>The activation's object (tests read what it holds; only between calls, never during one).</summary>
    internal ChatSessionGrain Instance(IChatSessionGrain session) =>
        Cluster.TryGetGrainContext(session.GetGrainId(), out var context) && context.GrainInstance is ChatSessionGrain grain
            ? grain
            : throw new InvalidOperationException($"session {session.GetPrimaryKeyString()} is not active");

    public static VisionLanguageEngine EngineOf(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<InferenceGrain>().Engine;

    public static AskRequest Greedy(string text, int maxTokens = 6, IReadOnlyList<string>? imageIds = null) =>
        new() { Text = text, MaxTokens = maxTokens, Temperature = 0f, ImageIds = imageIds };

    /// <summary>Reads a whole answer: its text (the deltas joined) and the stored turn.</summary>
    public static async Task<(string Text, TurnView Turn)> AnswerAsync(IChatSessionGrain session, AskRequest request, string owner = "",
        CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        TurnView? turn = null;
        await foreach (var e in session.AskAsync(owner, request, cancellationToken))
        {
            if (e is AskDelta d) text.Append(d.Text);
            else if (e is AskCompleted c) turn = c.Turn;
        }
        return (text.ToString(), turn ?? throw new InvalidOperationException("no completion"));
    }

    public static byte[] Photo(string name) => File.ReadAllBytes(TinyModelPackage.SharedImage(name));
}
