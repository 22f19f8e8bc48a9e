using System.Net;

namespace VLOrleans.Client;

/// <summary>
/// A call the server refused, with its stable problem <see cref="Code"/> (the server's <c>ProblemCodes</c> and the
/// image decoder's reason codes). Callers catch the subclass for the kind of failure, or switch on <see cref="Code"/>;
/// anything not recognised arrives as this base type with the HTTP status.
/// </summary>
public class VLOrleansException : Exception
{
    public VLOrleansException(string code, string message, HttpStatusCode? statusCode = null, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The problem code, e.g. <c>session_busy</c>, <c>corrupt</c>; <c>http_{status}</c> when the body had none.</summary>
    public string Code { get; }

    /// <summary>The HTTP status, or null for an error reported inside a stream (SSE <c>error</c> event).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The server's Retry-After, when it sent one (429, 503).</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>No API key, or one the server does not know (401, <c>unauthorized</c>).</summary>
public sealed class UnauthorizedException(string code, string message, HttpStatusCode? statusCode)
    : VLOrleansException(code, message, statusCode);

/// <summary>The session, or an image named by id, does not exist for this caller (404, <c>session_not_found</c>,
/// <c>image_not_found</c>). Sessions of another API key are "not found" too.</summary>
public sealed class NotFoundException(string code, string message, HttpStatusCode? statusCode)
    : VLOrleansException(code, message, statusCode);

/// <summary>The session is answering another question (409, <c>session_busy</c>); wait for it or cancel it.</summary>
public sealed class SessionInUseException(string code, string message, HttpStatusCode? statusCode)
    : VLOrleansException(code, message, statusCode);

/// <summary>The server cannot take the request now (429 <c>queue_full</c>, 503 <c>model_not_ready</c>); the client
/// already retried as often as its options allow.</summary>
public sealed class ServerBusyException(string code, string message, HttpStatusCode? statusCode, TimeSpan? retryAfter)
    : VLOrleansException(code, message, statusCode, retryAfter);

/// <summary>The image was refused (422, or 413 <c>too_large</c>): <see cref="VLOrleansException.Code"/> is the decoder's
/// reason (<c>unsupported_format</c>, <c>corrupt</c>, <c>truncated</c>, <c>too_many_pixels</c>, <c>too_large</c>,
/// <c>aspect_ratio</c>, <c>too_small</c>, <c>empty</c>).</summary>
public sealed class ImageRefusedException(string code, string message, HttpStatusCode? statusCode)
    : VLOrleansException(code, message, statusCode);

/// <summary>The request itself is wrong (400/413: <c>invalid_request</c>, <c>context_length_exceeded</c>,
/// <c>body_too_large</c>, …).</summary>
public sealed class InvalidRequestException(string code, string message, HttpStatusCode? statusCode)
    : VLOrleansException(code, message, statusCode);
