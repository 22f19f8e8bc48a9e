using VLOrleans.Contracts;

namespace VLOrleans.Silo.Errors;

/// <summary>
/// A request the server's own intake refuses (before the engine sees it): a malformed field, an image URL that is
/// not allowed or could not be fetched. Carries its HTTP status, stable <see cref="Code"/>, and the offending
/// request field (<see cref="Param"/>, OpenAI's <c>param</c>).
/// </summary>
public sealed class RequestRejectedException(int status, string code, string message, string? param = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string? Param { get; } = param;

    public static RequestRejectedException Invalid(string message, string? param = null) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, message, param);
}

/// <summary>Codes of the intake's own refusals (besides <see cref="ProblemCodes"/>).</summary>
public static class IntakeCodes
{
    /// <summary>400: an http(s) image URL whose host is not in VLO:OpenAi:AllowedImageHosts.</summary>
    public const string ImageUrlNotAllowed = "image_url_not_allowed";

    /// <summary>400: an image URL that is neither a base64 data URL nor http(s).</summary>
    public const string InvalidImageUrl = "invalid_image_url";

    /// <summary>400: an allowed image URL that could not be fetched (status, timeout, size cap).</summary>
    public const string ImageFetchFailed = "image_fetch_failed";
}
