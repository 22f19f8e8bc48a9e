using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// The one place /v1 errors are written: OpenAI's envelope <c>{"error": {"message", "type", "param", "code"}}</c>
/// with the HTTP status and <c>code</c> that <see cref="ProblemMapping.Classify"/> gives every other route, so a
/// client sees the same code whichever API it uses. 429 carries Retry-After.
/// </summary>
public static class OpenAiErrors
{
    /// <summary>Endpoint filter for the /v1 group: turns a classified exception into the envelope; anything else
    /// is a bug — logged, and a 500 envelope without internals.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw; // the client left; there is no one to answer
        }
        catch (Exception e) when (!context.HttpContext.Response.HasStarted)
        {
            var http = context.HttpContext;
            if (ProblemMapping.Classify(e) is not { } problem)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VLOrleans.Silo.OpenAi").LogError(e, "Unhandled error in {Path}", http.Request.Path.Value);
                return Result(StatusCodes.Status500InternalServerError, "internal_error", "The server failed to answer this request; the error is logged.", null, http);
            }
            return Result(problem.Status, problem.Code, e.Message, (e as RequestRejectedException)?.Param, http);
        }
    }

    public static IResult Result(int status, string code, string message, string? param, HttpContext http)
    {
        Logging.ProblemCodeNote.Record(http, code);
        if (status == StatusCodes.Status429TooManyRequests)
        {
            var seconds = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.VloOptions>>().Value.Limits.RetryAfterSeconds;
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return TypedResults.Json(Envelope(status, code, message, param), statusCode: status);
    }

    public static OpenAiErrorEnvelope Envelope(int status, string code, string message, string? param) =>
        new(new OpenAiError(message, TypeOf(status), param, code));

    /// <summary>OpenAI's error types by status.</summary>
    private static string TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
