using System.Security.Cryptography;

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
