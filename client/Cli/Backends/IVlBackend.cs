namespace VLOrleans.Cli.Backends;

/// <summary>
/// Where answers come from, so <c>ask</c>, <c>chat</c> and <c>batch</c> don't care: a server over HTTP
/// (<see cref="RemoteBackend"/>) or a model loaded in this process (<see cref="LocalBackend"/>).
/// </summary>
internal interface IVlBackend : IAsyncDisposable
{
    /// <summary>One line for the user: which server or model answers.</summary>
    string Description { get; }

    /// <summary>A new conversation (a server session, or an in-process history), or an existing server session
    /// when <paramref name="resumeId"/> is given.</summary>
    /// <exception cref="VlCommandException">The backend refused (e.g. unknown session, bad API key).</exception>
    Task<IVlConversation> StartConversationAsync(string? resumeId, CancellationToken cancellationToken);
}

/// <summary>One conversation: images added before a question belong to it; questions are answered one at a time.</summary>
internal interface IVlConversation : IAsyncDisposable
{
    /// <summary>The server session id, or a local key.</summary>
    string Id { get; }

    /// <summary>Adds an image to the next question.</summary>
    /// <exception cref="VlCommandException">The image was rejected; the code says why (e.g. <c>corrupt</c>).</exception>
    Task<ImageSummary> AddImageAsync(ReadOnlyMemory<byte> bytes, string fileName, CancellationToken cancellationToken);

    /// <summary>Asks and streams text deltas; afterwards <see cref="LastTurn"/> describes the answer. Cancelling stops
    /// the generation and leaves nothing of the turn behind.</summary>
    IAsyncEnumerable<string> AskAsync(string question, AnswerSettings settings, CancellationToken cancellationToken);

    /// <summary>The last completed answer's figures, or null before the first.</summary>
    TurnSummary? LastTurn { get; }

    /// <summary>The conversation so far, oldest first.</summary>
    Task<IReadOnlyList<(string Role, string Text)>> ListTurnsAsync(CancellationToken cancellationToken);
}
