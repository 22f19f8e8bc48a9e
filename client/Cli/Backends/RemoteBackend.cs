using System.Runtime.CompilerServices;
using VLOrleans.Client;

namespace VLOrleans.Cli.Backends;

/// <summary>A VLOrleans server, through <see cref="VLOrleansClient"/>. Sessions of <c>ask</c> and <c>chat</c> are kept
/// (their id is printed, to resume with <c>--session</c>); <c>batch</c> deletes its one-question sessions.</summary>
internal sealed class RemoteBackend(Uri server, string? apiKey, bool deleteSessions) : IVlBackend
{
    private readonly VLOrleansClient _client = VLOrleansClient.Create(server, apiKey);

    public string Description => $"server {server}";

    public async Task<IVlConversation> StartConversationAsync(string? resumeId, CancellationToken cancellationToken)
    {
        try
        {
            var session = resumeId is null
                ? await _client.CreateSessionAsync(cancellationToken).ConfigureAwait(false)
                : await _client.ResumeSessionAsync(resumeId, cancellationToken).ConfigureAwait(false);
            return new Conversation(session, deleteSessions && resumeId is null);
        }
        catch (Exception e) when (Translate(e) is { } failure)
        {
            throw failure;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Client errors and connection failures as command failures with a code; anything else is a bug.</summary>
    internal static VlCommandException? Translate(Exception e) => e switch
    {
        VLOrleansException v => new VlCommandException(v.Code, v.Message, v),
        HttpRequestException h => new VlCommandException("connection_failed", $"Cannot reach the server: {h.Message}", h),
        _ => null,
    };

    private sealed class Conversation(ChatSession session, bool deleteOnDispose) : IVlConversation
    {
        public string Id => session.Id;

        public TurnSummary? LastTurn { get; private set; }

        public async Task<ImageSummary> AddImageAsync(ReadOnlyMemory<byte> bytes, string fileName, CancellationToken cancellationToken)
        {
            try
            {
                var image = await session.UploadImageAsync(bytes, fileName, cancellationToken).ConfigureAwait(false);
                return new ImageSummary(image.Id, image.Format, image.Width, image.Height, image.ImageTokens, "uploaded");
            }
            catch (Exception e) when (Translate(e) is { } failure)
            {
                throw failure;
            }
        }

        public async IAsyncEnumerable<string> AskAsync(string question, AnswerSettings settings, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var options = new AskOptions
            {
                MaxTokens = settings.MaxTokens,
                Temperature = settings.Temperature,
                TopP = settings.TopP,
                TopK = settings.TopK,
                Seed = settings.Seed,
                ResponseSchema = settings.Schema,
            };
            await using var events = session.StreamEventsAsync(question, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                // A yield cannot sit inside a try with a catch, so only the move is guarded.
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false)) yield break;
                }
                catch (Exception e) when (Translate(e) is { } failure)
                {
                    throw failure;
                }
                switch (events.Current)
                {
                    case AskDelta delta:
                        yield return delta.Text;
                        break;
                    case AskCompleted done:
                        LastTurn = Summarise(done.Turn);
                        break;
                }
            }
        }

        public async Task<IReadOnlyList<(string Role, string Text)>> ListTurnsAsync(CancellationToken cancellationToken)
        {
            try
            {
                return (await session.ListTurnsAsync(cancellationToken).ConfigureAwait(false)).Select(t => (t.Role, t.Text)).ToList();
            }
            catch (Exception e) when (Translate(e) is { } failure)
            {
                throw failure;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!deleteOnDispose) return;
            try
            {
                await session.DeleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e) is not null)
            {
                // Best effort: an undeleted one-question session is only clutter on the server.
            }
        }

        private static TurnSummary Summarise(TurnView turn) => new(turn.Text, turn.FinishReason ?? "?",
            turn.Usage?.PromptTokens ?? 0, turn.Usage?.CachedPromptTokens ?? 0, turn.Usage?.CompletionTokens ?? 0,
            turn.Timings?.TimeToFirstTokenMs ?? 0, turn.Timings?.TokensPerSecond ?? 0,
            turn.Boxes?.Select(b => new AnswerBox(b.ImageId, b.Kind == "point", b.Label, b.X1, b.Y1, b.X2, b.Y2)).ToArray());
    }
}
