using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Grains.Inference;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Errors;

/// <summary>
/// The one place exceptions become HTTP errors: <c>application/problem+json</c> with a stable <c>code</c>
/// (<see cref="ProblemCodes"/>) and a message a person understands. Anything not listed is a bug: 500, logged,
/// with no internals in the body. (The OpenAI-compatible /v1 routes wrap the same status and code in OpenAI's
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
        ImageRejectedException e => (e.Code == "too_large" ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status422UnprocessableEntity, e.Code, "Image rejected"),
        GenerationRejectedException { Code: "queue_full" } e => (StatusCodes.Status429TooManyRequests, e.Code, "Server busy"),
        GenerationRejectedException e => (StatusCodes.Status400BadRequest, e.Code, "Request rejected"),
        ModelNotReadyException => (StatusCodes.Status503ServiceUnavailable, ProblemCodes.ModelNotReady, "Model not ready"),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "Request body too large"),
        BadHttpRequestException => (StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "Invalid request"),
        ArgumentException => (StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "Invalid request"),
        // The worker ended this answer after an internal fault (and went on): a server error, but a known one, so a
        // stream that already started ends with an error event saying so instead of breaking off.
        InferenceFaultException => (StatusCodes.Status500InternalServerError, "generation_failed", "Generation failed"),
        _ => null,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Classify(exception) is not { } problem) return false;
        context.Response.StatusCode = problem.Status;
        if (problem.Status == StatusCodes.Status429TooManyRequests)
            context.Response.Headers.RetryAfter = options.Value.Limits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
