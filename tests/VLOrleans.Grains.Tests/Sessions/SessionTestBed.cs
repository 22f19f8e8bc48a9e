using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Sessions;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Tests.Sessions;

/// <summary>One tiny-model engine for all session tests (loading is the slow part), attached to an inference grain.</summary>
public sealed class TinyEngineFixture : IAsyncLifetime
{
    public InferenceGrain Inference { get; } = new();

    public VisionLanguageEngine Engine => Inference.Engine;

    public Task InitializeAsync()
    {
        Inference.Attach(VisionLanguageEngine.Load(new EngineOptions
        {
            ModelPath = TinyModelPackage.Folder,
            Variant = "fp32",
            SlotCount = 4,
            MaxSequenceLength = 4096,
            DecoderThreads = 1,
            VisionThreads = 1,
            PreprocessingThreads = 1,
        }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Inference.DisposeAsync();
}

/// <summary>A store file in a temp folder and a directory over it; <see cref="RestartAsync"/> drops both and reopens the file.</summary>
public sealed class SessionTestBed : IAsyncDisposable
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("vlo-sessions-").FullName;
    private readonly InferenceGrain _inference;
    private readonly ChatSessionOptions _options;

    public SessionTestBed(InferenceGrain inference, ChatSessionOptions? options = null)
    {
        _inference = inference;
        _options = options ?? new ChatSessionOptions();
        Store = SqliteSessionStore.Open(Path.Combine(_folder, "sessions.db"));
        Directory = new SessionDirectory(Store, inference, _options);
    }

    public SqliteSessionStore Store { get; private set; }

    public SessionDirectory Directory { get; private set; }

    public ISessionDirectory Sessions => Directory;

    /// <summary>As a server restart: a new store instance on the same file and a new directory (no actors, no memory).</summary>
    public async Task RestartAsync()
    {
        await Directory.DisposeAsync();
        await Store.DisposeAsync();
        Store = SqliteSessionStore.Open(Path.Combine(_folder, "sessions.db"));
        Directory = new SessionDirectory(Store, _inference, _options);
    }

    public static AskRequest Greedy(string text, int maxTokens = 6, IReadOnlyList<string>? imageIds = null) =>
        new() { Text = text, MaxTokens = maxTokens, Temperature = 0f, ImageIds = imageIds };

    /// <summary>Reads a whole answer: its text (the deltas joined) and the stored turn.</summary>
    public static async Task<(string Text, TurnView Turn)> AnswerAsync(IChatSessionGrain session, AskRequest request, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        TurnView? turn = null;
        await foreach (var e in session.AskAsync(request, cancellationToken))
        {
            if (e is AskDelta d) text.Append(d.Text);
            else if (e is AskCompleted c) turn = c.Turn;
        }
        return (text.ToString(), turn ?? throw new InvalidOperationException("no completion"));
    }

    public static byte[] Photo(string name) => File.ReadAllBytes(TinyModelPackage.SharedImage(name));

    public async ValueTask DisposeAsync()
    {
        await Directory.DisposeAsync();
        await Store.DisposeAsync();
        try { System.IO.Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
