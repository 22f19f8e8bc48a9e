namespace VLOrleans.Contracts;

/// <summary>The stable <c>code</c> of every error the API returns (<c>application/problem+json</c>), with its HTTP status.
/// Clients switch on these; never rename one.</summary>
public static class ProblemCodes
{
    public const string SessionNotFound = "session_not_found";        // 404
    public const string SessionBusy = "session_busy";                 // 409
    public const string ImageNotFound = "image_not_found";            // 404
    public const string QueueFull = "queue_full";                     // 429 + Retry-After
    public const string ContextLengthExceeded = "context_length_exceeded"; // 400
    public const string InvalidRequest = "invalid_request";           // 400
    public const string BodyTooLarge = "body_too_large";              // 413
    public const string Unauthorized = "unauthorized";                // 401
    public const string ModelNotReady = "model_not_ready";            // 503 + Retry-After
    public const string TurnCancelled = "turn_cancelled";             // 409: POST /api/v1/sessions/{id}/cancel stopped this turn
    public const string IdempotencyKeyReused = "idempotency_key_reused"; // 422: the Idempotency-Key was used with another request
    public const string StoreUnavailable = "store_unavailable";       // 503 + Retry-After (retryable)
    public const string GenerationFailed = "generation_failed";       // 500
    public const string RateLimited = "rate_limited";                 // 429 + Retry-After (per API key)
    // Image rejections use the decoder's reason codes: unsupported_format, corrupt, truncated, too_many_pixels,
    // too_large (413), aspect_ratio, too_small, empty (all 422 unless noted).
}
