using System.Net;

namespace VLOrleans.Client;

/// <summary>The one table from a problem code (or, without one, an HTTP status) to the exception type callers catch.</summary>
internal static class ProblemCodeMap
{
    private static readonly HashSet<string> ImageCodes = new(StringComparer.Ordinal)
    {
        "empty", "too_large", "unsupported_format", "corrupt", "truncated", "too_many_pixels", "aspect_ratio", "too_small",
    };

    public static VLOrleansException ToException(string? code, string message, HttpStatusCode? status, TimeSpan? retryAfter)
    {
        var known = code ?? status switch
        {
            HttpStatusCode.Unauthorized => ProblemCodes.Unauthorized,
            HttpStatusCode.Conflict => ProblemCodes.SessionBusy,
            HttpStatusCode.TooManyRequests => ProblemCodes.QueueFull,
            HttpStatusCode.ServiceUnavailable => ProblemCodes.ModelNotReady,
            HttpStatusCode.RequestEntityTooLarge => ProblemCodes.BodyTooLarge,
            HttpStatusCode.BadRequest => ProblemCodes.InvalidRequest,
            { } s => $"http_{(int)s}",
            null => "stream_error",
        };
        return known switch
        {
            ProblemCodes.Unauthorized => new UnauthorizedException(known, message, status),
            ProblemCodes.SessionNotFound or ProblemCodes.ImageNotFound => new NotFoundException(known, message, status),
            ProblemCodes.SessionBusy => new SessionInUseException(known, message, status),
            ProblemCodes.QueueFull or ProblemCodes.ModelNotReady => new ServerBusyException(known, message, status, retryAfter),
            _ when ImageCodes.Contains(known) => new ImageRefusedException(known, message, status),
            ProblemCodes.InvalidRequest or ProblemCodes.ContextLengthExceeded or ProblemCodes.BodyTooLarge => new InvalidRequestException(known, message, status),
            _ when status is HttpStatusCode.BadRequest => new InvalidRequestException(known, message, status),
            _ when status is HttpStatusCode.NotFound => new NotFoundException(known, message, status),
            _ => new VLOrleansException(known, message, status, retryAfter),
        };
    }
}
