using System.Security.Cryptography;
using Orleans.Concurrency;

namespace VLOrleans.Contracts;

/// <summary>
/// One chat session: a grain keyed by the session id (32 lowercase hex digits, 128 random bits). It holds the
/// session's images, their embeddings and the ring buffer of its most recent turns on the silo that activated it, and
/// answers one question at a time. Every call names the caller's <c>owner</c> (an API-key hash, or "" when keys are
/// off): a session is invisible — <see cref="SessionNotFoundException"/> — to every owner but its creator.
/// </summary>
[Alias("vlo.IChatSessionGrain")]
public interface IChatSessionGrain : IGrainWithStringKey
{
    /// <summary>Creates the session (the store's row) for <paramref name="owner"/>; the id is the grain's key.</summary>
    [Alias("Create")]
    Task CreateAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>The session's turns and images.</summary>
    [Alias("Get")]
    Task<SessionView> GetAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Decodes, validates and stores an image; its embeddings are computed (or found in the cache) now,
    /// so the next question starts at once. Throws <see cref="RequestProblemException"/> (image rejected) for bad bytes.</summary>
    /// <param name="bytes">The encoded image, already size-checked by the caller.</param>
    [Alias("AddImage")]
    Task<ImageView> AddImageAsync(string owner, byte[] bytes, string? fileName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks a question. The stream yields <see cref="AskDelta"/>s then one <see cref="AskCompleted"/>; the turn pair
    /// is stored when it completes. Throws <see cref="SessionBusyException"/> while another turn runs (also while an
    /// earlier enumeration is still open); stopping the enumeration (dispose or cancel) stops the generation and frees
    /// the slot, and nothing is stored for that turn.
    /// </summary>
    [Alias("Ask")]
    IAsyncEnumerable<AskEvent> AskAsync(string owner, AskRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the session unless <paramref name="claim"/>'s key already made one for <paramref name="owner"/>: then
    /// nothing is created and that session's id is returned (a client's retry). The key and the session are stored in
    /// one transaction, so two concurrent retries create one session. Throws <see cref="RequestProblemException"/>
    /// (<see cref="ProblemKind.IdempotencyKeyReused"/>) when the key was used for another request.
    /// </summary>
    /// <returns>The id of the session the key names: this grain's key, or the one created earlier.</returns>
    [Alias("CreateOnce")]
    Task<string> CreateAsync(string owner, IdempotencyClaim claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="AskAsync(string, AskRequest, CancellationToken)"/> at most once per <paramref name="claim"/>'s key: the
    /// key is stored with the turn in one transaction; asked again with the same key and request, the stored turn is
    /// replayed (one <see cref="AskDelta"/> with its whole text, then <see cref="AskCompleted"/>) and nothing is generated.
    /// Throws <see cref="RequestProblemException"/> (<see cref="ProblemKind.IdempotencyKeyReused"/>) when the key was used
    /// for another request, and <see cref="SessionBusyException"/> while the first attempt still runs.
    /// </summary>
    [Alias("AskOnce")]
    IAsyncEnumerable<AskEvent> AskAsync(string owner, AskRequest request, IdempotencyClaim claim, CancellationToken cancellationToken = default);

    /// <summary>An image of the session with its stored bytes. Throws <see cref="ImageNotFoundException"/> when the
    /// session has no image with that id.</summary>
    [Alias("GetImage")]
    Task<SessionImage> GetImageAsync(string owner, string imageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops the turn that is running, whoever started it (another tab, another connection): its stream ends with a
    /// <see cref="RequestProblemException"/> of kind <see cref="ProblemKind.TurnCancelled"/> and nothing is stored.
    /// Interleaves with the running turn's calls (it only signals), so it is heard at once.
    /// </summary>
    /// <returns>Whether a turn was running.</returns>
    [Alias("Cancel"), AlwaysInterleave]
    Task<bool> CancelAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Deletes the session, its turns and its references to images.</summary>
    [Alias("Delete")]
    Task DeleteAsync(string owner, CancellationToken cancellationToken = default);
}

/// <summary>Session ids: 32 lowercase hex digits (128 random bits). Anything else cannot name a session, so callers
/// answer "not found" without activating a grain for it.</summary>
public static class SessionIds
{
    public static string New() => RandomNumberGenerator.GetHexString(32, lowercase: true);

    public static bool IsValid(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);
}
