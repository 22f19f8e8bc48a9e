using System.Runtime.CompilerServices;
using System.Text;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Imaging;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Text;
using VLOrleans.Engine.Text.Grounding;

namespace VLOrleans.Cli.Backends;

/// <summary>
/// A model package loaded in this process (no server). Each conversation keeps its own history and images and a
/// session key, so its follow-ups reuse the resident KV; as many conversations as the engine has KV slots generate at once.
/// </summary>
internal sealed class LocalBackend : IVlBackend
{
    private readonly VisionLanguageEngine _engine;

    private LocalBackend(VisionLanguageEngine engine) => _engine = engine;

    public string Description => $"model {_engine.Package.Folder} ({_engine.Family}, {_engine.Variant})";

    /// <exception cref="VlCommandException">The package cannot be loaded (code <c>model_load_failed</c>).</exception>
    public static LocalBackend Load(string modelFolder, string? variant, int threads, int slotCount)
    {
        try
        {
            return new LocalBackend(VisionLanguageEngine.Load(new EngineOptions
            {
                ModelPath = modelFolder,
                Variant = variant,
                DecoderThreads = threads,
                VisionThreads = threads,
                SlotCount = slotCount,
            }));
        }
        catch (Exception e) when (e is ModelLoadException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new VlCommandException("model_load_failed", e.Message, e);
        }
    }

    public Task<IVlConversation> StartConversationAsync(string? resumeId, CancellationToken cancellationToken) => resumeId is null
        ? Task.FromResult<IVlConversation>(new Conversation(_engine, $"vl-{Guid.NewGuid():N}"))
        : throw new VlCommandException("invalid_request", "--session resumes a server session; in-process conversations live only as long as the command.");

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    internal static VlCommandException? Translate(Exception e) => e switch
    {
        ImageRejectedException r => new VlCommandException(r.Code, r.Message, r),
        GenerationRejectedException g => new VlCommandException(g.Code, g.Message, g),
        TextException t => new VlCommandException("invalid_request", t.Message, t),
        UnsupportedSchemaException u => new VlCommandException(u.Code, u.Message, u),
        _ => null,
    };

    /// <summary>One in-process conversation. Not thread-safe: one question at a time, as on a server session.</summary>
    private sealed class Conversation(VisionLanguageEngine engine, string sessionKey) : IVlConversation
    {
        private readonly List<ConversationTurn> _turns = [];
        private readonly List<PreparedImage> _pendingImages = [];

        public string Id => sessionKey;

        public TurnSummary? LastTurn { get; private set; }

        public async Task<ImageSummary> AddImageAsync(ReadOnlyMemory<byte> bytes, string fileName, CancellationToken cancellationToken)
        {
            PreparedImage image;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                image = await engine.PrepareImageAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e) is { } failure)
            {
                throw failure;
            }
            _pendingImages.Add(image);
            return new ImageSummary(image.Facts.ContentHash, image.Facts.Format.ToString().ToLowerInvariant(), image.Facts.OriginalWidth,
                image.Facts.OriginalHeight, image.Embeddings.TokenCount, image.WasCached ? "from the vision cache" : $"encoded in {clock.Elapsed.TotalSeconds:F2} s");
        }

        public async IAsyncEnumerable<string> AskAsync(string question, AnswerSettings settings, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            // A cancelled or failed question leaves no trace, as on the server: the next one starts from the last answer.
            var turn = new ConversationTurn(question, [.. _pendingImages]);
            var (messages, images) = ConversationPrompt.Build([.. _turns, turn]);
            GenerationSettings generation;
            try
            {
                generation = ConversationPrompt.Settings(engine.Defaults, settings.MaxTokens ?? new GenerationSettings().MaxTokens,
                    new SamplingOverrides(settings.Temperature, settings.TopP, settings.TopK, settings.Seed), settings.IgnoreEos);
                // Strict: the answer follows the schema exactly (no properties it does not name), as a report or a box list needs.
                if (settings.Schema is { } schema) generation = generation with { Output = new JsonSchemaOutput(schema, Strict: true) };
            }
            catch (ArgumentException e)
            {
                throw new VlCommandException("invalid_request", e.Message, e); // the user's --temperature/--top-p/--top-k
            }
            GenerationStream stream;
            try
            {
                stream = engine.Ask(messages, images, generation, sessionKey, cancellationToken);
            }
            catch (Exception e) when (Translate(e) is { } failure)
            {
                throw failure;
            }
            var answer = new StringBuilder();
            await foreach (var e in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e is TokenGenerated t)
                {
                    answer.Append(t.TextDelta);
                    if (t.TextDelta.Length > 0) yield return t.TextDelta;
                }
                else if (e is GenerationCompleted done && done.Reason != FinishReason.Cancelled)
                {
                    _turns.Add(turn with { Answer = answer.ToString() });
                    _pendingImages.Clear();
                    LastTurn = new TurnSummary(answer.ToString(), done.Reason.ToString().ToLowerInvariant(), done.Usage.PromptTokens,
                        done.Usage.ReusedPromptTokens, done.Usage.CompletionTokens, done.Timings.TimeToFirstToken.TotalMilliseconds,
                        done.Timings.DecodeTokensPerSecond(done.Usage.CompletionTokens), Boxes(answer.ToString(), images));
                }
            }
        }

        /// <summary>The answer's grounding boxes on the last image of the prompt (as the server's session turns place
        /// them), in original-image pixels for this model's family; null when there are none.</summary>
        private IReadOnlyList<AnswerBox>? Boxes(string answer, IReadOnlyList<PreparedImage> images)
        {
            if (images.Count == 0) return null;
            var items = GroundingParser.Parse(answer);
            if (items.Count == 0) return null;
            var image = images[^1];
            var frame = GroundingFrame.FromGrid(image.Facts.OriginalWidth, image.Facts.OriginalHeight, image.Grid, engine.Package.Config.Vision.PatchSize);
            return [.. GroundingConverter.ToPixels(items, GroundingCoordinateSpaces.Of(engine.Family), frame)
                .Select(b => new AnswerBox(image.Facts.ContentHash, b.Kind == GroundingKind.Point, b.Label, b.X1, b.Y1, b.X2, b.Y2))];
        }

        public Task<IReadOnlyList<(string Role, string Text)>> ListTurnsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<(string Role, string Text)>>(_turns
                .SelectMany(t => new[] { (ChatRole.User, t.Question), (ChatRole.Assistant, t.Answer ?? "") }).ToList());

        public ValueTask DisposeAsync()
        {
            engine.ForgetSession(sessionKey);
            return ValueTask.CompletedTask;
        }
    }
}
