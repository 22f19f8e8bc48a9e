namespace VLOrleans.Contracts;

// The session grain's failures. Each is [GenerateSerializer] so it crosses silos with its fields intact (an
// exception type Orleans cannot serialize arrives as a generic fallback, and the server could no longer map it).

/// <summary>A second question arrived while a turn was running (HTTP 409, code <c>session_busy</c>).</summary>
[GenerateSerializer, Alias("vlo.SessionBusyException")]
public sealed class SessionBusyException : Exception
{
    public SessionBusyException(string sessionId)
        : base($"Session {sessionId} is already answering a question; wait for it to finish or cancel it.") => SessionId = sessionId;

    [Id(0)] public string SessionId { get; private set; }
}

/// <summary>No session with that id is visible to the caller (HTTP 404, code <c>session_not_found</c>).</summary>
[GenerateSerializer, Alias("vlo.SessionNotFoundException")]
public sealed class SessionNotFoundException : Exception
{
    public SessionNotFoundException(string sessionId) : base($"No session {sessionId}.") => SessionId = sessionId;

    [Id(0)] public string SessionId { get; private set; }
}

/// <summary>A question named an image the session does not have (HTTP 404, code <c>image_not_found</c>).</summary>
[GenerateSerializer, Alias("vlo.ImageNotFoundException")]
public sealed class ImageNotFoundException : Exception
{
    public ImageNotFoundException(string sessionId, string imageId)
        : base($"Session {sessionId} has no image {imageId}; upload it first (POST /api/v1/sessions/{sessionId}/images).")
    {
        SessionId = sessionId;
        ImageId = imageId;
    }

    [Id(0)] public string SessionId { get; private set; }

    [Id(1)] public string ImageId { get; private set; }
}

/// <summary>What kind of refusal a <see cref="RequestProblemException"/> is; the server maps each to one HTTP status.</summary>
public enum ProblemKind
{
    /// <summary>A request field the grain validated is out of range (400).</summary>
    InvalidRequest,

    /// <summary>The image bytes are not acceptable (422): the code is the decoder's reason.</summary>
    ImageRejected,

    /// <summary>The image is over the size limit (413, code <c>too_large</c>).</summary>
    ImageTooLarge,

    /// <summary>The worker's queue is full (429 with Retry-After).</summary>
    QueueFull,

    /// <summary>The prompt and answer do not fit a KV slot, even with the history trimmed (400).</summary>
    ContextLengthExceeded,

    /// <summary>The worker refused the request for another reason (400).</summary>
    GenerationRejected,

    /// <summary>The silo's model is still loading or failed to load (503).</summary>
    ModelNotReady,

    /// <summary>The running turn was stopped by a cancel request (409, code <c>turn_cancelled</c>); nothing was stored.</summary>
    TurnCancelled,

    /// <summary>An Idempotency-Key came back with a different request (422, code <c>idempotency_key_reused</c>).</summary>
    IdempotencyKeyReused,
    /// <summary>The session store cannot be written or read right now (503 with Retry-After, code <c>store_unavailable</c>):
    /// a database outage, a full or read-only disk. Retryable; nothing already stored is affected.</summary>
    StoreUnavailable,

    /// <summary>The engine failed while answering (500, code <c>generation_failed</c>): an internal fault, not the request's.</summary>
    GenerationFailed,
}

/// <summary>
/// A request a grain refused for a reason the caller can act on: a typed <see cref="Kind"/> for the server's mapping
/// and the stable wire <see cref="Code"/> (<see cref="ProblemCodes"/>, or an image rejection's reason code). Engine
/// exceptions are translated into this at the grain, so they cross silos as data the server understands.
/// </summary>
[GenerateSerializer, Alias("vlo.RequestProblemException")]
public sealed class RequestProblemException : Exception
{
    public RequestProblemException(ProblemKind kind, string code, string message) : base(message)
    {
        Kind = kind;
        Code = code;
    }

    [Id(0)] public ProblemKind Kind { get; private set; }

    [Id(1)] public string Code { get; private set; }
}
