using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Storage;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Errors;

/// <summary>
/// The one place exceptions become HTTP errors: <c>application/problem+json</c> with a stable <c>code</c>
/// (<see cref="ProblemCodes"/>) and a message a person understands. Anything not listed is a bug: 500, logged,
/// with no internals in the body — including an <see cref="ArgumentException"/>: only errors of the request that
/// the server validated (<see cref="RequestRejectedException"/>, the grains' <see cref="RequestProblemException"/>)
/// blame the client with a 4xx. (The OpenAI-compatible /v1 routes wrap the same status and code in OpenAI's
/// error envelope.)
/// </summary>
public sealed class ProblemMapping(IProblemDetailsService problems, IOptions<VloOptions> options) : IExceptionHandler
{
    public static (int Status, string Code, string Title)? Classify(Exception exception) => exception switch
    {
        RequestRejectedException e => (e.Status, e.Code, "Request rejected"),
        SessionNotFoundException => (StatusCodes.Status404NotFound, ProblemCodes.SessionNotFound, "Session not found"),
        SessionBusyException => (StatusCodes.Status409Conflict, ProblemCodes.SessionBusy, "Session is busy"),
        ImageNotFoundException => (StatusCodes.Status404NotFound, ProblemCodes.ImageNotFound, "Image not found"),
        RequestProblemException e => Of(e.Kind, e.Code),
        // The stateless endpoints that still call the silo's engine in-process: the same kinds, from the engine's types.
        ImageRejectedException { Reason: ImageRejectionReason.TooLarge } e => Of(ProblemKind.ImageTooLarge, e.Code),
        ImageRejectedException e => Of(ProblemKind.ImageRejected, e.Code),
        GenerationRejectedException { Reason: GenerationRejection.QueueFull } e => Of(ProblemKind.QueueFull, e.Code),
        GenerationRejectedException e => Of(ProblemKind.GenerationRejected, e.Code),
        ModelNotReadyException => Of(ProblemKind.ModelNotReady, ProblemCodes.ModelNotReady),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "Request body too large"),
        BadHttpRequestException => (StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "Invalid request"),
        // The worker ended this answer after an internal fault (and went on): a server error, but a known one, so a
        // stream that already started ends with an error event saying so instead of breaking off.
        InferenceFaultException => Of(ProblemKind.GenerationFailed, ProblemCodes.GenerationFailed),
        // The store cannot be written (database down, disk full or read-only): retryable, and nothing stored is harmed.
        StoreUnavailableException => Of(ProblemKind.StoreUnavailable, ProblemCodes.StoreUnavailable),
        _ => Cluster.ClusterFailures.Classify(exception), // a node went away: 503, retryable
    };

    private static (int Status, string Code, string Title) Of(ProblemKind kind, string code) => kind switch
    {
        ProblemKind.ImageTooLarge => (StatusCodes.Status413PayloadTooLarge, code, "Image rejected"),
        ProblemKind.ImageRejected => (StatusCodes.Status422UnprocessableEntity, code, "Image rejected"),
        ProblemKind.QueueFull => (StatusCodes.Status429TooManyRequests, code, "Server busy"),
        ProblemKind.ModelNotReady => (StatusCodes.Status503ServiceUnavailable, code, "Model not ready"),
        ProblemKind.TurnCancelled => (StatusCodes.Status409Conflict, code, "Answer cancelled"),
        ProblemKind.IdempotencyKeyReused => (StatusCodes.Status422UnprocessableEntity, code, "Idempotency-Key reused"),
        ProblemKind.StoreUnavailable => (StatusCodes.Status503ServiceUnavailable, code, "Session store unavailable"),
        ProblemKind.GenerationFailed => (StatusCodes.Status500InternalServerError, code, "Generation failed"),
        ProblemKind.InvalidRequest or ProblemKind.ContextLengthExceeded or ProblemKind.GenerationRejected => (StatusCodes.Status400BadRequest, code, "Request rejected"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Whether a client should retry the same request later (the answer then carries <c>Retry-After</c>): a full
    /// queue, a rate limit, a store that is down.</summary>
    public static bool IsRetryable(int status, string code) =>
        status == StatusCodes.Status429TooManyRequests || code == ProblemCodes.StoreUnavailable;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Classify(exception) is not { } problem) return false;
        context.Response.StatusCode = problem.Status;
        if (IsRetryable(problem.Status, problem.Code))
            context.Response.Headers.RetryAfter = options.Value.Limits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Cluster.ClusterFailures.IsRetryable(problem.Code))
            context.Response.Headers.RetryAfter = Cluster.ClusterFailures.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = problem.Status,
                Title = problem.Title,
                Detail = exception.Message,
                Extensions = { ["code"] = problem.Code },
            },
        }).ConfigureAwait(false);
    }
}
